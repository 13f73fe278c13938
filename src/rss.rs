//! Resident memory of this process, for the per-stage figures of a scan
//! summary: which stage raised the peak, and what each stage leaves behind.
//!
//! Read from `/proc/self/status` (Linux); elsewhere there are no figures.
//! The peak is never reset (resetting it would also change what `wait4`
//! reports to a benchmark that measures the whole process).

/// Resident set now and its peak so far, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Resident {
    pub now: u64,
    pub peak: u64,
}

/// This process's resident memory, if the platform tells it.
pub fn resident() -> Option<Resident> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_status(&status)
}

/// `VmRSS` and `VmHWM` of a `/proc/PID/status` text.
fn parse_status(status: &str) -> Option<Resident> {
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib * 1024)
    };
    Some(Resident { now: field("VmRSS:")?, peak: field("VmHWM:")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status() {
        let s = "Name:\tdoublet\nVmPeak:\t  999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(parse_status(s), Some(Resident { now: 1 << 20, peak: 2 << 20 }));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn grows_with_an_allocation() {
        let Some(before) = resident() else { return };
        let block = vec![1u8; 64 << 20];
        let after = resident().expect("read once, readable again");
        assert!(after.peak >= before.peak && after.peak >= 64 << 20, "{before:?} {after:?}");
        assert!(after.now >= before.now + (32 << 20), "{before:?} {after:?} {}", block[block.len() - 1]);
    }
}
