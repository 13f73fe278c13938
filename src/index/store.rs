//! The index directory on disk: the manifest that names the live segments,
//! the writer lock, durable renames, and the test hook that kills a writer
//! at a named step.
//!
//! Nothing a reader may use is ever changed in place. A writer makes a new
//! file under a temporary name, syncs it, renames it into place and syncs the
//! directory; the manifest is replaced last, the same way, and that rename is
//! the moment an `add` or `compact` takes effect. A process killed before it
//! leaves the old manifest, which names only old, whole segments.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::source::io_message;

pub const MANIFEST: &str = "MANIFEST";
const MANIFEST_TEMP: &str = "MANIFEST.tmp";
pub const LOCK: &str = "LOCK";
/// Suffix of files being written; a leftover one is a crashed writer's.
pub const TEMP_SUFFIX: &str = ".tmp";
pub const SEGMENT_PREFIX: &str = "seg-";
pub const SEGMENT_SUFFIX: &str = ".dseg";
/// Version of the manifest's layout.
pub const FORMAT: u32 = 1;
/// Seconds a segment dropped by a compaction stays on disk for readers that
/// read the manifest naming it just before.
pub const GRACE_SECS: u64 = 600;

/// What the manifest says about one live segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentMeta {
    pub name: String,
    pub bytes: u64,
    /// xxh3-64 of the segment without its footer, 16 hex digits.
    pub checksum: String,
    pub files: u64,
    pub items: u64,
}

/// A segment no longer live, kept until `since` + the grace period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    pub name: String,
    /// Seconds since the Unix epoch.
    pub since: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// Every parameter that decides what an item and its keys are.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Number of the next segment file.
    pub next_segment: u64,
    pub segments: Vec<SegmentMeta>,
    #[serde(default)]
    pub retired: Vec<Retired>,
}

/// Reads `dir`'s manifest; `Ok(None)` when there is none.
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {}", path.display(), io_message(&e))),
    };
    let m: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: not a doublet index manifest: {e}", path.display(), e.line(), e.column()))?;
    if m.format != FORMAT {
        return Err(format!("{}: index format {}, this doublet reads {FORMAT}", path.display(), m.format));
    }
    Ok(Some(m))
}

/// Replaces `dir`'s manifest durably: temporary file, sync, rename, sync
/// the directory.
pub fn write_manifest(dir: &Path, m: &Manifest) -> io::Result<()> {
    let temp = dir.join(MANIFEST_TEMP);
    let mut f = File::create(&temp)?;
    let mut text = serde_json::to_string_pretty(m).map_err(io::Error::other)?;
    text.push('\n');
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    drop(f);
    crash_point("manifest-written");
    fs::rename(&temp, dir.join(MANIFEST))?;
    sync_dir(dir)?;
    crash_point("manifest-renamed");
    Ok(())
}

/// Makes the renames and removals in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The name of segment number `n`.
pub fn segment_name(n: u64) -> String {
    format!("{SEGMENT_PREFIX}{n:06}{SEGMENT_SUFFIX}")
}

pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The grace period for retired segments (`DOUBLET_INDEX_GRACE_SECS`
/// overrides it, for tests).
pub fn grace_secs() -> u64 {
    std::env::var("DOUBLET_INDEX_GRACE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(GRACE_SECS)
}

/// Test hook: aborts the process at `step` when `DOUBLET_INDEX_CRASH_AFTER`
/// names it, to show that a writer killed there leaves the index whole.
/// Steps in order: `segment-partial` (the segment's first tables written),
/// `segment-written` (whole and synced, under its temporary name),
/// `segment-renamed`, `manifest-written` (the new manifest under its
/// temporary name), `manifest-renamed` (the change took effect; old files
/// not yet removed).
pub fn crash_point(step: &str) {
    if std::env::var_os("DOUBLET_INDEX_CRASH_AFTER").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

/// The exclusive writer lock of one index directory, held until dropped.
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock without waiting; another writer holding it is an
    /// error naming the directory.
    pub fn take(dir: &Path) -> Result<WriterLock, String> {
        let path = dir.join(LOCK);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("{}: {}", path.display(), io_message(&e)))?;
        // SAFETY: flock on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let e = io::Error::last_os_error();
            return Err(if e.kind() == io::ErrorKind::WouldBlock {
                format!("index {} is locked by another writer", dir.display())
            } else {
                format!("{}: cannot lock: {e}", path.display())
            });
        }
        Ok(WriterLock { _file: file })
    }
}

/// Removes what no manifest names (a crashed writer's files) and the
/// retired segments whose grace has passed, which `m` then no longer lists.
/// Only a writer holding the lock calls this. Returns the files removed.
pub fn clean(dir: &Path, m: &mut Manifest) -> io::Result<Vec<PathBuf>> {
    let now = now_secs();
    let grace = grace_secs();
    m.retired.retain(|r| r.since.saturating_add(grace) > now);
    let live = |name: &str| m.segments.iter().any(|s| s.name == name) || m.retired.iter().any(|r| r.name == name);
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with(SEGMENT_PREFIX)
            && (name.ends_with(SEGMENT_SUFFIX) || name.ends_with(TEMP_SUFFIX)))
            || name == MANIFEST_TEMP;
        // Never named by a manifest (a crashed writer's), or retired and past
        // its grace (`expired`, no longer in `m`): no reader can open it.
        if ours && !live(&name) {
            let path = dir.join(&name);
            fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    if !removed.is_empty() {
        sync_dir(dir)?;
    }
    Ok(removed)
}
