//! The normalized texts of the items, which every stage after reading
//! shingles again: in memory while a budget lasts, beyond it in one
//! temporary file.
//!
//! They are the largest thing a scan holds, about one byte per byte of
//! input, so a corpus larger than memory cannot keep them all. A file's
//! texts go to the temporary file as a whole once the budget is spent, and
//! are read back one text at a time (`pread`, from the page cache while the
//! machine has room for it), so resident memory no longer grows with them.
//! Where a text is kept changes nothing that is found.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Texts stored end to end in one buffer: one allocation per file instead of
/// one per paragraph; or, once spilled, where that buffer starts in the
/// temporary file.
#[derive(Default)]
pub(super) struct Texts {
    buf: String,
    ends: Vec<usize>,
    spilled_at: Option<u64>,
}

impl Texts {
    pub(super) fn push(&mut self, text: &str) {
        self.buf.push_str(text);
        self.ends.push(self.buf.len());
    }

    /// An empty buffer with room for `bytes` of text.
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Texts { buf: String::with_capacity(bytes), ..Texts::default() }
    }

    /// Bytes of text held (in memory or not).
    pub(super) fn bytes(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }

    /// Text `i`, which must be held in memory (while a file is analyzed).
    pub(super) fn get(&self, i: usize) -> &str {
        debug_assert!(self.spilled_at.is_none());
        &self.buf[self.range(i)]
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }
}

/// Where the texts of a scan are kept beyond the memory budget.
pub(super) struct TextStore {
    budget: usize,
    in_memory: AtomicUsize,
    /// Made at the first spill; written at `len` under its lock, read
    /// without one (positioned reads share no cursor).
    file: OnceLock<File>,
    len: Mutex<u64>,
    /// A write (texts kept in memory instead) or a read (a text read as
    /// empty) of the temporary file failed; the first failure of each.
    failed: [AtomicBool; 2],
    error: Mutex<[Option<String>; 2]>,
}

impl TextStore {
    /// Keeps up to `budget` bytes of text in memory.
    pub(super) fn new(budget: usize) -> Self {
        TextStore {
            budget,
            in_memory: AtomicUsize::new(0),
            file: OnceLock::new(),
            len: Mutex::new(0),
            failed: [AtomicBool::new(false), AtomicBool::new(false)],
            error: Mutex::new([None, None]),
        }
    }

    /// Keeps a file's texts in memory while the budget lasts; beyond it,
    /// appends them to the temporary file and frees the buffer. Called
    /// once per file, from any thread.
    pub(super) fn admit(&self, texts: &mut Texts) {
        let n = texts.buf.len();
        if self.in_memory.fetch_add(n, Ordering::Relaxed) + n <= self.budget {
            return;
        }
        self.in_memory.fetch_sub(n, Ordering::Relaxed);
        match self.append(texts.buf.as_bytes()) {
            Ok(at) => {
                texts.spilled_at = Some(at);
                texts.buf = String::new();
            }
            // Kept in memory after all: a full disk costs memory, not findings.
            Err(e) => self.fail(WRITE, e),
        }
    }

    fn append(&self, bytes: &[u8]) -> io::Result<u64> {
        let mut len = self.len.lock().unwrap_or_else(|e| e.into_inner());
        let file = match self.file.get() {
            Some(f) => f,
            None => {
                // Only appends set it, and they hold `len`'s lock.
                let _ = self.file.set(tempfile::tempfile()?);
                self.file.get().expect("set just now under the lock")
            }
        };
        let at = *len;
        file.write_all_at(bytes, at)?;
        *len += bytes.len() as u64;
        Ok(at)
    }

    /// Text `i` of `texts`.
    pub(super) fn get<'a>(&self, texts: &'a Texts, i: usize) -> Cow<'a, str> {
        let Some(at) = texts.spilled_at else {
            return Cow::Borrowed(texts.get(i));
        };
        let range = texts.range(i);
        let mut bytes = vec![0u8; range.len()];
        let file = self.file.get().expect("a spilled text has a file");
        match file.read_exact_at(&mut bytes, at + range.start as u64) {
            Ok(()) => {
                Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
            }
            Err(e) => {
                self.fail(READ, e);
                Cow::Borrowed("")
            }
        }
    }

    fn fail(&self, which: usize, e: io::Error) {
        if !self.failed[which].swap(true, Ordering::Relaxed) {
            self.error.lock().unwrap_or_else(|e| e.into_inner())[which] = Some(e.to_string());
        }
    }

    /// What went wrong with the temporary file: the first failed write
    /// (which costs memory only) and the first failed read (which loses a
    /// text, and with it what it would have matched).
    pub(super) fn failures(&self) -> [Option<String>; 2] {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

const WRITE: usize = 0;
const READ: usize = 1;

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(parts: &[&str]) -> Texts {
        let mut t = Texts::default();
        for p in parts {
            t.push(p);
        }
        t
    }

    #[test]
    fn spilled_texts_read_back_whole() {
        let store = TextStore::new(20);
        let mut kept = texts(&["short", "考生须凭"]);
        let mut spilled = texts(&["第十五条", "", "candidates must bring", "准考证"]);
        store.admit(&mut kept);
        store.admit(&mut spilled);
        assert!(kept.spilled_at.is_none() && spilled.spilled_at.is_some() && spilled.buf.is_empty());
        let read: Vec<String> = (0..4).map(|i| store.get(&spilled, i).into_owned()).collect();
        assert_eq!(read, ["第十五条", "", "candidates must bring", "准考证"]);
        assert_eq!(store.get(&kept, 1), "考生须凭");
        // A second spilled file starts where the first ended.
        let mut more = texts(&["again", "and again"]);
        store.admit(&mut more);
        assert_eq!(store.get(&more, 1), "and again");
        assert_eq!(store.get(&spilled, 3), "准考证");
        assert_eq!(store.failures(), [None, None]);
    }
}
