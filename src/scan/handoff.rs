//! A seam in the pipeline for work done elsewhere. Once the exact groups are
//! formed, a [`Handoff`] sees every item and group ([`Exact`]) and decides how
//! the scan goes on: it finds its candidate pairs itself, takes them from
//! outside (pairs a cluster computed from the same items, `doublet blocks`),
//! or ends there (the items and sketches were written out, `doublet sketch`).
//! Everything before and after the candidates is the scan's own code, so
//! what is written out and what comes back mean exactly what a scan means.

use std::borrow::Cow;
use std::sync::Arc;

use xxhash_rust::xxh3::xxh3_64;

use super::{Analyzed, Observer, Params};
use crate::source::{self, Diagnostic};

/// How a scan goes on after its exact groups.
pub enum Candidates {
    /// Sketches and candidates as [`super::scan`] makes them.
    Local,
    /// These candidate pairs of exact groups `(a, b)`, `a < b`, sorted and
    /// without repeats, instead of the scan's own: they are verified, and
    /// everything after runs as in a scan.
    Supplied(Vec<(u32, u32)>),
    /// No matching: the result has the files and counts, no findings.
    Stop,
}

/// Decides what a scan does after its exact groups; an error ends the scan
/// there, with the diagnostic among the result's.
pub trait Handoff: Sync {
    fn candidates(&self, exact: &Exact<'_>, observer: &dyn Observer) -> Result<Candidates, Diagnostic>;
}

/// The scan's own candidates.
pub struct Local;

impl Handoff for Local {
    fn candidates(&self, _: &Exact<'_>, _: &dyn Observer) -> Result<Candidates, Diagnostic> {
        Ok(Candidates::Local)
    }
}

/// One item (a paragraph long enough, or a cut paragraph read whole) as
/// matching sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ItemView {
    /// Index among all items of the scan, file by file: stable for the same
    /// files and parameters.
    pub key: usize,
    /// Index among the file's items.
    pub index: usize,
    /// Paragraph range, 0-based, both inclusive.
    pub para_start: usize,
    pub para_end: usize,
    pub byte_start: usize,
    pub byte_end: usize,
    /// xxh3-128 of the normalized text.
    pub hash: u128,
    /// The item's exact group: groups are numbered in the order of their
    /// hashes, which is the order candidate pairs are made in.
    pub group: u32,
}

/// The items and exact groups of a scan.
pub struct Exact<'a> {
    pub(super) files: &'a [Analyzed],
    pub(super) offsets: &'a [usize],
    pub(super) reps: &'a [u32],
    pub(super) rep_of: &'a [u32],
    pub(super) text: &'a (dyn Fn(u32) -> Cow<'a, str> + Sync),
    pub(super) params: &'a Params,
}

impl<'a> Exact<'a> {
    pub fn params(&self) -> &Params {
        self.params
    }

    /// Number of files read.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// The name of file `file` as reports give it.
    pub fn path(&self, file: usize) -> &str {
        &self.files[file].source.name
    }

    /// The items of file `file`, in order.
    pub fn items(&self, file: usize) -> impl Iterator<Item = ItemView> + use<'_, 'a> {
        let f = &self.files[file];
        f.items.iter().enumerate().map(move |(index, it)| {
            let key = self.offsets[file] + index;
            ItemView {
                key,
                index,
                para_start: it.first as usize,
                para_end: it.last as usize,
                byte_start: f.spans[it.first as usize].start,
                byte_end: f.spans[it.last as usize].end,
                hash: it.hash,
                group: self.rep_of[key],
            }
        })
    }

    /// Number of exact groups.
    pub fn groups(&self) -> usize {
        self.reps.len()
    }

    /// The key of the item that stands for exact group `group` (its first).
    pub fn representative(&self, group: u32) -> usize {
        self.reps[group as usize] as usize
    }

    /// The normalized text of exact group `group`.
    pub fn text(&self, group: u32) -> Cow<'_, str> {
        (self.text)(group)
    }

    /// The MinHash sketches of all exact groups, `num_perm` 16-bit slots
    /// each, group after group: those a scan bands.
    pub fn sketches(&self, observer: &dyn Observer) -> Vec<u16> {
        super::minhash_sketches(self.reps.len(), self.text, self.params, observer)
    }

    /// The bytes of file `file` as they were scanned: read again (kept for
    /// standard input), an error when the file changed since.
    pub fn data(&self, file: usize) -> Result<Arc<Vec<u8>>, Diagnostic> {
        let a = &self.files[file];
        let data = match &a.data {
            Some(d) => d.clone(),
            None => Arc::new(
                source::read(&a.source).map_err(|e| Diagnostic::error(&a.source.name, source::io_message(&e)))?,
            ),
        };
        if data.len() as u64 != a.bytes || xxh3_64(&data) != a.digest {
            return Err(Diagnostic::error(&a.source.name, "file changed during the run"));
        }
        Ok(data)
    }
}
