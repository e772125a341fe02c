use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency the storefront sells in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    /// Euro, 2 minor digits.
    EUR,
    /// US dollar, 2 minor digits.
    USD,
    /// Japanese yen, no minor digits.
    JPY,
}

impl Currency {
    /// How many minor units make one major unit, as a power of ten.
    pub fn minor_digits(self) -> u32 {
        match self {
            Currency::EUR | Currency::USD => 2,
            Currency::JPY => 0,
        }
    }

    /// The ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::EUR => "EUR",
            Currency::USD => "USD",
            Currency::JPY => "JPY",
        }
    }
}

/// An amount in integer minor units (cents), never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units, e.g. cents.
    pub amount_minor: i64,
    /// Currency of the amount.
    pub currency: Currency,
}

impl Money {
    /// `quantity` of this amount, or `None` if it does not fit.
    pub fn times(self, quantity: u32) -> Option<Money> {
        let amount_minor = self.amount_minor.checked_mul(i64::from(quantity))?;
        Some(Money { amount_minor, currency: self.currency })
    }
}

impl fmt::Display for Money {
    /// Formats as `12.50 EUR`: unambiguous for every locale and screen reader.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{sign}{abs} {}", self.currency.code());
        }
        let scale = 10u64.pow(digits);
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / scale,
            abs % scale,
            self.currency.code(),
            width = digits as usize
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_minor_units_exactly() {
        let m = |amount_minor, currency| Money { amount_minor, currency }.to_string();
        assert_eq!(m(1250, Currency::EUR), "12.50 EUR");
        assert_eq!(m(5, Currency::USD), "0.05 USD");
        assert_eq!(m(-199, Currency::USD), "-1.99 USD");
        assert_eq!(m(4200, Currency::JPY), "4200 JPY");
        assert_eq!(m(i64::MIN, Currency::EUR), "-92233720368547758.08 EUR");
    }
}
