//! The progress bar: the only place that draws on the terminal while a scan
//! runs. It stays hidden unless stderr is a terminal, `--quiet` is off and
//! the scan has run for more than a moment.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use doublet::scan::{Observer, Unit};

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_millis(400);

pub struct Progress {
    bar: ProgressBar,
    files: AtomicU64,
    reading: AtomicBool,
    stop: Option<(mpsc::Sender<()>, thread::JoinHandle<()>)>,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let stop = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let (tx, rx) = mpsc::channel::<()>();
            let shown = bar.clone();
            let handle = thread::spawn(move || {
                if rx.recv_timeout(DELAY).is_err() {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(Duration::from_millis(120));
                }
            });
            (tx, handle)
        });
        Self { bar, files: AtomicU64::new(0), reading: AtomicBool::new(false), stop }
    }

    /// Removes the bar before the report and summary are written.
    pub fn finish(mut self) {
        if let Some((tx, handle)) = self.stop.take() {
            let _ = tx.send(());
            let _ = handle.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn stage(&self, name: &'static str, total: Option<u64>, unit: Unit) {
        self.reading.store(name == "read", Ordering::Relaxed);
        let template = match (unit, total.is_some()) {
            (Unit::Bytes, true) => {
                "{spinner} {msg:<10} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {prefix} eta {eta}"
            }
            (Unit::Items, true) => "{spinner} {msg:<10} [{bar:30}] {human_pos}/{human_len} eta {eta}",
            _ => "{spinner} {msg:<10} {elapsed}",
        };
        self.bar.set_style(ProgressStyle::with_template(template).unwrap().progress_chars("=> "));
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(0);
        self.bar.set_message(name);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
        if self.reading.load(Ordering::Relaxed) {
            let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_prefix(format!("{files} files"));
        }
    }
}
