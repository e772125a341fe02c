//! What the Buy form checks before it asks the worker: each problem names its field, so the
//! error summary can link to it and the field can say it inline.

use vitrine_protocol::acceptance::MAX_QUANTITY;

/// The form's fields, by their element ids.
pub const QUANTITY: &str = "buy-quantity";
pub const EMAIL: &str = "buy-email";
pub const WALLET: &str = "buy-wallet";

/// One field's problem, in words a buyer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The problems of this input, in the order the fields appear.
/// `quantity` is 0 when the field does not hold a number.
/// `email_required`: a drop for listed collectors needs the email they were listed with.
pub fn field_errors(
    quantity: u32,
    stock: u32,
    email: &str,
    email_required: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let most = MAX_QUANTITY.min(stock).max(1);
    match quantity {
        q if (1..=most).contains(&q) => {}
        q if q > stock && stock < MAX_QUANTITY => errors.push(FieldError {
            field: QUANTITY,
            message: format!("Only {stock} left: choose {}.", range(most)),
        }),
        _ => errors.push(FieldError {
            field: QUANTITY,
            message: format!("Choose how many editions: {}.", range(most)),
        }),
    }
    let email = email.trim();
    if email_required && email.is_empty() {
        errors.push(FieldError {
            field: EMAIL,
            message:
                "Enter the email you were listed with: this drop is for collectors on its list."
                    .into(),
        });
    } else if !email.is_empty() && !vitrine_protocol::waitlist::is_email(email) {
        errors.push(FieldError {
            field: EMAIL,
            message: "Enter an email address like name@example.com, or leave it empty.".into(),
        });
    }
    errors
}

/// The wallet the token is minted to is optional (the shop keeps the token meanwhile), but
/// one that is given must be an address: a mint to anything else would fail after payment.
pub fn wallet_error(wallet: &str) -> Option<FieldError> {
    let wallet = wallet.trim();
    (!wallet.is_empty() && !vitrine_protocol::wallet::is_address(wallet)).then(|| FieldError {
        field: WALLET,
        message:
            "Enter a wallet address: 0x followed by 40 letters a–f and digits, or leave it empty."
                .into(),
    })
}

fn range(most: u32) -> String {
    if most == 1 {
        "1".into()
    } else {
        format!("1 to {most}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_purchase_has_no_problems() {
        assert_eq!(field_errors(2, 5, "", false), []);
        assert_eq!(field_errors(1, 1, " ada@example.org ", false), []);
    }

    #[test]
    fn quantity_is_between_one_and_what_is_left() {
        let message = |q, stock| field_errors(q, stock, "", false)[0].message.clone();
        assert_eq!(message(0, 5), "Choose how many editions: 1 to 5.");
        assert_eq!(message(0, 20), "Choose how many editions: 1 to 10.");
        assert_eq!(message(11, 20), "Choose how many editions: 1 to 10.");
        assert_eq!(message(3, 2), "Only 2 left: choose 1 to 2.");
        assert_eq!(message(2, 1), "Only 1 left: choose 1.");
    }

    #[test]
    fn an_email_is_optional_but_must_be_one() {
        for bad in
            ["ada", "ada@", "@example.org", "ada@example", "a da@example.org", "ada@example."]
        {
            let errors = field_errors(1, 5, bad, false);
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].field, EMAIL);
        }
    }

    #[test]
    fn a_wallet_is_optional_but_must_be_an_address() {
        assert_eq!(wallet_error("  "), None);
        assert_eq!(wallet_error(" 0x52908400098527886E0F7030069857D2E4169EE7 "), None);
        for bad in ["vitalik.eth", "0x1234", "52908400098527886E0F7030069857D2E4169EE7"] {
            assert_eq!(wallet_error(bad).map(|e| e.field), Some(WALLET), "{bad}");
        }
    }

    #[test]
    fn a_drop_for_listed_collectors_needs_the_email_they_were_listed_with() {
        assert_eq!(field_errors(1, 5, "  ", true)[0].field, EMAIL);
        assert_eq!(field_errors(1, 5, "listed@example.com", true), []);
        assert_eq!(field_errors(1, 5, "", false), []);
    }
}
