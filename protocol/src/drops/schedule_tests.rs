use super::*;

const HOUR: i64 = 3_600_000;
/// Monday 2027-01-04 00:00 UTC.
const MONDAY: i64 = 1_799_020_800_000;

fn at(hours: i64) -> UnixMillis {
    UnixMillis(MONDAY + hours * HOUR)
}

fn plan(start_h: i64, end_h: i64) -> Plan {
    Plan {
        window: Window { starts_at: at(start_h), ends_at: at(end_h) },
        supply: vec![(10, 20)],
        allowlist: AllowlistState::Open,
    }
}

fn rules_broken(p: &Plan, rules: &ShopRules, others: &[Window], now: UnixMillis) -> Vec<Rule> {
    check(p, rules, others, now).into_iter().map(|v| v.rule).collect()
}

#[test]
fn a_sound_plan_passes() {
    assert_eq!(rules_broken(&plan(18, 20), &ShopRules::default(), &[], at(0)), []);
}

#[test]
fn each_rule_vetoes_with_its_own_reason() {
    let rules = ShopRules::default();
    let now = at(10);
    let cases: Vec<(Plan, Vec<Window>, Rule)> = vec![
        (plan(9, 12), vec![], Rule::InThePast),
        (plan(10, 12), vec![], Rule::InThePast),
        (
            Plan { window: Window { starts_at: now.plus(60_000), ends_at: at(12) }, ..plan(0, 0) },
            vec![],
            Rule::MinLeadTime,
        ),
        (plan(18, 17), vec![], Rule::EndsBeforeStart),
        (plan(18, 18 + 15 * 24), vec![], Rule::TooLong),
        (Plan { supply: vec![(5, 5), (6, 5)], ..plan(18, 20) }, vec![], Rule::SupplyOverStock),
        (plan(26, 27), vec![], Rule::QuietHours),
        (
            Plan { allowlist: AllowlistState::Missing, ..plan(18, 20) },
            vec![],
            Rule::AllowlistNotCommitted,
        ),
        (
            plan(18, 22),
            vec![
                Window { starts_at: at(17), ends_at: at(19) },
                Window { starts_at: at(19), ends_at: at(21) },
            ],
            Rule::OverCapacity,
        ),
        (
            plan(23, 24),
            vec![
                Window { starts_at: at(12), ends_at: at(13) },
                Window { starts_at: at(14), ends_at: at(15) },
                Window { starts_at: at(16), ends_at: at(17) },
            ],
            Rule::DailyLimit,
        ),
    ];
    for (p, others, rule) in cases {
        let vetoes = check(&p, &rules, &others, now);
        assert_eq!(vetoes.iter().map(|v| v.rule).collect::<Vec<_>>(), [rule], "{p:?}");
        assert!(!vetoes[0].reason.is_empty());
    }
    let with_maintenance = ShopRules {
        maintenance: vec![Window { starts_at: at(19), ends_at: at(19) }],
        ..ShopRules::default()
    };
    assert_eq!(rules_broken(&plan(18, 20), &with_maintenance, &[], now), [Rule::Maintenance]);
}

#[test]
fn touching_but_not_overlapping_drops_do_not_count_as_live_together() {
    let rules = ShopRules { max_live_at_once: 1, ..ShopRules::default() };
    let before = [Window { starts_at: at(15), ends_at: at(18).minus(1) }];
    assert_eq!(rules_broken(&plan(18, 20), &rules, &before, at(0)), []);
    let touching = [Window { starts_at: at(15), ends_at: at(18) }];
    assert_eq!(rules_broken(&plan(18, 20), &rules, &touching, at(0)), [Rule::OverCapacity]);
}

#[test]
fn the_shops_day_and_quiet_hours_follow_its_offset() {
    // 23:30 UTC is 01:30 the next day at UTC+2: quiet, and counted on Tuesday.
    let rules = ShopRules { utc_offset_minutes: 120, ..ShopRules::default() };
    let late = UnixMillis(at(23).0 + HOUR / 2);
    assert_eq!(rules.hour(late), 1);
    assert_eq!(rules.day(late), rules.day(at(30)));
    let p = Plan { window: Window { starts_at: late, ends_at: at(26) }, ..plan(0, 0) };
    assert_eq!(rules_broken(&p, &rules, &[], at(0)), [Rule::QuietHours]);
    // Quiet hours that wrap midnight.
    let night = ShopRules { quiet_hours: Some((22, 6)), ..ShopRules::default() };
    assert!(night.is_quiet(at(23)) && night.is_quiet(at(5)) && !night.is_quiet(at(6)));
}

#[test]
fn rules_themselves_are_checked() {
    assert!(ShopRules::default().problems().is_empty());
    let bad = ShopRules { max_live_at_once: 0, quiet_hours: Some((5, 5)), ..ShopRules::default() };
    assert_eq!(bad.problems().len(), 2);
}
