//! When a scan fails a check: the gates that CI jobs set.
//!
//! A scan always reports everything it finds; whether that should fail the
//! job is a separate policy. `fail_on` says which findings count (only exact
//! copies, exact and near ones, every finding and layout break, or none),
//! `max_findings` how many counted findings are tolerated, and
//! `max_duplicated` what share of the scanned bytes may be duplicated,
//! whatever the count. Each tripped gate says why, so a failing job explains
//! itself.

use std::fmt;

use crate::scan::{Kind, ScanResult};

/// Which findings a gate counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Exact findings only.
    Exact,
    /// Exact and near findings.
    Near,
    /// Every finding, including containment, passage and layout breaks.
    #[default]
    Any,
    /// Nothing: findings never trip the count gate.
    None,
}

impl FailOn {
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Exact => "exact",
            FailOn::Near => "near",
            FailOn::Any => "any",
            FailOn::None => "none",
        }
    }

    /// Whether a finding of `kind` counts.
    pub fn counts(self, kind: Kind) -> bool {
        match self {
            FailOn::Exact => kind == Kind::Exact,
            FailOn::Near => matches!(kind, Kind::Exact | Kind::Near),
            FailOn::Any => true,
            FailOn::None => false,
        }
    }
}

/// The gates of one run. The default trips on any finding, as a scan
/// without gates always has.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Gate {
    pub fail_on: FailOn,
    /// The count gate trips when more findings than this are counted.
    pub max_findings: usize,
    /// Trips when the duplicated share of the scanned bytes exceeds this
    /// percentage.
    pub max_duplicated: Option<f64>,
}

/// A gate that tripped, and why.
#[derive(Clone, Debug, PartialEq)]
pub enum Trip {
    /// `findings` findings and `breaks` layout breaks counted.
    Findings {
        findings: usize,
        breaks: usize,
        fail_on: FailOn,
        max: usize,
    },
    Duplicated {
        percent: f64,
        max: f64,
    },
}

impl fmt::Display for Trip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trip::Findings { findings, breaks, fail_on, max } => {
                let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
                let mut counted = plural(*findings, "finding");
                if *breaks > 0 {
                    counted = format!("{counted} and {}", plural(*breaks, "layout break"));
                }
                write!(f, "{counted} counted by --fail-on {}, more than --max-findings {max}", fail_on.name())
            }
            Trip::Duplicated { percent, max } => {
                write!(f, "{percent:.2}% of the bytes duplicated, more than --max-duplicated {max}")
            }
        }
    }
}

impl Gate {
    /// Findings and layout breaks (for [`FailOn::Any`] only) that count.
    pub fn counted(&self, result: &ScanResult) -> (usize, usize) {
        let findings = result.findings.iter().filter(|f| self.fail_on.counts(f.kind)).count();
        let breaks = if self.fail_on == FailOn::Any { result.breaks.len() } else { 0 };
        (findings, breaks)
    }

    /// The gates `result` trips; empty when it passes.
    pub fn check(&self, result: &ScanResult) -> Vec<Trip> {
        let mut trips = Vec::new();
        let (findings, breaks) = self.counted(result);
        if self.fail_on != FailOn::None && findings + breaks > self.max_findings {
            trips.push(Trip::Findings { findings, breaks, fail_on: self.fail_on, max: self.max_findings });
        }
        if let Some(max) = self.max_duplicated {
            let percent = result.summary.duplicated_percent();
            if percent > max {
                trips.push(Trip::Duplicated { percent, max });
            }
        }
        trips
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{scan_texts, Params};

    const NOTICE: &str = "Candidates must bring their admission ticket and identity card to every exam.";
    const OTHER: &str = "An unrelated story about the harbour, long enough to be matched on its own.";

    fn exact_pair() -> ScanResult {
        let r = scan_texts(&[("a", &format!("{NOTICE}\n\n{OTHER}\n\n{NOTICE}"))], &Params::default());
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].kind, Kind::Exact);
        r
    }

    #[test]
    fn counts_by_kind() {
        let table = [
            (FailOn::Exact, [true, false, false, false]),
            (FailOn::Near, [true, true, false, false]),
            (FailOn::Any, [true, true, true, true]),
            (FailOn::None, [false, false, false, false]),
        ];
        for (fail_on, want) in table {
            let got = [Kind::Exact, Kind::Near, Kind::Containment, Kind::Passage].map(|k| fail_on.counts(k));
            assert_eq!(got, want, "{fail_on:?}");
        }
    }

    #[test]
    fn count_gate_trips_above_the_maximum_only() {
        let r = exact_pair();
        let trips = Gate::default().check(&r);
        assert_eq!(trips, vec![Trip::Findings { findings: 1, breaks: 0, fail_on: FailOn::Any, max: 0 }]);
        assert_eq!(trips[0].to_string(), "1 finding counted by --fail-on any, more than --max-findings 0");
        assert!(Gate { max_findings: 1, ..Gate::default() }.check(&r).is_empty());
        assert!(Gate { fail_on: FailOn::None, ..Gate::default() }.check(&r).is_empty());
    }

    #[test]
    fn duplicated_gate_trips_above_its_share_whatever_the_count() {
        let r = exact_pair();
        let share = r.summary.duplicated_percent();
        assert!(share > 10.0, "{share}");
        let gate = |max| Gate { fail_on: FailOn::None, max_findings: 0, max_duplicated: Some(max) };
        assert!(gate(share).check(&r).is_empty());
        assert_eq!(gate(share - 0.01).check(&r), vec![Trip::Duplicated { percent: share, max: share - 0.01 }]);
    }

    #[test]
    fn breaks_count_only_for_any() {
        let cut = "The council met on Monday to discuss the new harbour plans and the budget for the\n\n\
                   coming year, which was approved after a long debate among its members.";
        let r = scan_texts(&[("a", cut)], &Params { check_breaks: true, ..Params::default() });
        assert_eq!((r.findings.len(), r.breaks.len()), (0, 1));
        assert_eq!(Gate::default().counted(&r), (0, 1));
        assert_eq!(Gate { fail_on: FailOn::Near, ..Gate::default() }.counted(&r), (0, 0));
        let trip = &Gate::default().check(&r)[0];
        assert_eq!(
            trip.to_string(),
            "0 findings and 1 layout break counted by --fail-on any, more than --max-findings 0"
        );
    }
}
