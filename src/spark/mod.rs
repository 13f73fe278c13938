//! Scale-out on Apache Spark: a scan cut at its candidate pairs, the most
//! memory-hungry part of a scan of a large collection, so that a Spark
//! cluster can make them.
//!
//! `doublet sketch` ([`sketch`]) runs a scan up to its exact groups and writes
//! the items, exact groups, MinHash sketches and LSH band keys as Parquet
//! (with `--method simhash`, fingerprints and their keys in the permuted
//! tables); the PySpark job `spark/doublet_groups.py` pairs the bucket
//! members as [`crate::lsh`] does (as [`crate::simhash`] does), keeps the
//! pairs whose sketch estimate a scan keeps (whose fingerprints are within
//! the distance), joins them into groups and writes the pairs back; `doublet blocks`
//! ([`groups`]) runs the scan again on the same files with those pairs in
//! place of its own candidates. Verification, classes, blocks, passages and
//! locations are the scan's own code, so the report is the scan's.
//!
//! Both ends describe the run by [`Settings`]: the parameters that change
//! which items, groups and candidates there are, and a digest of the items.
//! A `blocks` run whose options or files differ from the sketch's is refused.

use serde_json::{json, Value};
use xxhash_rust::xxh3::Xxh3;

use crate::lsh;
use crate::minhash;
use crate::normalize;
use crate::scan::handoff::Exact;
use crate::scan::{Method, Params, SKETCH_MARGIN};

pub mod groups;
pub mod sketch;

pub use groups::Groups;
pub use sketch::Sketch;

/// Version of the tables' layout; bumped when a column changes meaning.
pub const FORMAT: u64 = 1;

/// Key of the settings in every Parquet file's key-value metadata.
pub const METADATA_KEY: &str = "doublet.settings";

/// The parameters that decide items, exact groups, sketches and candidates,
/// and what the job needs to make the candidates as a scan does.
pub struct Settings {
    pub json: Value,
}

/// Settings whose values must agree between `sketch` and `blocks`, with the
/// option that sets each.
const MUST_AGREE: [(&str, &str); 13] = [
    ("format", "(table format)"),
    ("normalization", "(normalization version)"),
    ("method", "--method"),
    ("threshold", "--threshold"),
    ("ocr", "--strict"),
    ("ngram", "--ngram"),
    ("min_chars", "--min-chars"),
    ("num_perm", "--num-perm"),
    ("bands", "--bands"),
    ("rows", "--rows"),
    ("seed", "--seed"),
    ("lines", "--lines"),
    ("simhash_distance", "--simhash-distance"),
];

impl Settings {
    /// The settings that follow from the parameters alone.
    pub fn of_params(params: &Params) -> Self {
        let banding = params.banding();
        // SimHash only: its distance, and how many permuted tables the bands
        // table holds (null for MinHash).
        let simhash = params.method == Method::Simhash;
        let distance = simhash.then_some(params.simhash_distance);
        let tables = simhash.then(|| crate::simhash::table_masks(params.simhash_distance).len());
        Settings {
            json: json!({
                "format": FORMAT,
                "normalization": normalize::VERSION,
                "method": match params.method { Method::Minhash => "minhash", Method::Simhash => "simhash" },
                "threshold": params.threshold,
                "ocr": params.ocr,
                "ngram": params.ngram,
                "min_chars": params.min_chars,
                "num_perm": params.num_perm,
                "bands": banding.bands,
                "rows": banding.rows,
                "seed": params.seed,
                "lines": params.lines,
                "binary": params.binary,
                "ignore_patterns": params.ignore_patterns,
                "bucket_all_pairs": lsh::BUCKET_ALL_PAIRS,
                "min_equal_slots": min_equal_slots(params),
                "simhash_distance": distance,
                "tables": tables,
            }),
        }
    }

    /// The settings of a run over `exact`'s items: the parameters', and how
    /// many files, items and exact groups there are, with their digest.
    pub fn of(exact: &Exact<'_>) -> Self {
        let mut settings = Self::of_params(exact.params());
        let items: usize = (0..exact.files()).map(|f| exact.items(f).count()).sum();
        settings.json["files"] = json!(exact.files());
        settings.json["items"] = json!(items);
        settings.json["groups"] = json!(exact.groups());
        settings.json["corpus"] = json!(format!("{:016x}", corpus_digest(exact)));
        settings
    }

    /// Reads settings written by [`Self::to_string`]; `what` names the file.
    pub fn parse(text: &str, what: &str) -> Result<Self, String> {
        let json: Value = serde_json::from_str(text).map_err(|e| format!("{what}: not doublet's settings: {e}"))?;
        if !json.is_object() || json.get("format").is_none() {
            return Err(format!("{what}: not doublet's settings (no \"format\")"));
        }
        Ok(Settings { json })
    }

    /// Why a run with `now` cannot use pairs made with `self`, if it cannot.
    pub fn mismatch(&self, now: &Settings) -> Option<String> {
        for (key, option) in MUST_AGREE {
            let (then, here) = (&self.json[key], &now.json[key]);
            if then != here {
                return Some(format!("sketched with {option} {then}, this run has {here}"));
            }
        }
        for key in ["binary", "ignore_patterns"] {
            if self.json[key] != now.json[key] {
                return Some(format!("sketched with {key} {}, this run has {}", self.json[key], now.json[key]));
            }
        }
        for key in ["files", "items", "groups", "corpus"] {
            if now.json.get(key).is_some() && self.json[key] != now.json[key] {
                return Some(format!(
                    "the files are not those sketched ({} files, {} items, {} exact groups then; {} files, {} \
                     items, {} exact groups now)",
                    self.json["files"],
                    self.json["items"],
                    self.json["groups"],
                    now.json["files"],
                    now.json["items"],
                    now.json["groups"]
                ));
            }
        }
        None
    }
}

impl std::fmt::Display for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.json)
    }
}

/// The fewest equal slots of two sketches whose estimate a scan keeps as a
/// candidate ([`SKETCH_MARGIN`] below the lowest similarity verification can
/// accept), by the same floating-point comparison a scan makes, so that the
/// job compares integers.
pub fn min_equal_slots(params: &Params) -> usize {
    let k = params.num_perm;
    let least = params.ocr_floor() - SKETCH_MARGIN;
    let sketch = |m: usize| (0..k).map(move |i| u8::from(i < m));
    (0..=k).find(|&m| minhash::estimate(&sketch(m).collect::<Vec<_>>(), &vec![1u8; k]) >= least).unwrap_or(k + 1)
}

/// A digest of every file's name and items (paragraph ranges and hashes), in
/// order: equal digests mean equal item keys and exact groups.
pub fn corpus_digest(exact: &Exact<'_>) -> u64 {
    let mut h = Xxh3::new();
    for f in 0..exact.files() {
        let path = exact.path(f);
        h.update(&(path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        for it in exact.items(f) {
            h.update(&(it.para_start as u64).to_le_bytes());
            h.update(&(it.para_end as u64).to_le_bytes());
            h.update(&it.hash.to_le_bytes());
        }
        h.update(&u64::MAX.to_le_bytes());
    }
    h.digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_slots_follow_the_estimate() {
        for (threshold, ocr) in [(0.6, true), (0.6, false), (0.9, true), (0.3, true), (1.0, false)] {
            let params = Params { threshold, ocr, ..Params::default() };
            let m = min_equal_slots(&params);
            let least = params.ocr_floor() - SKETCH_MARGIN;
            let k = params.num_perm as f64;
            assert!(m as f64 / k >= least, "{threshold} {ocr}: {m}");
            assert!(m == 0 || ((m - 1) as f64 / k) < least, "{threshold} {ocr}: {m}");
        }
        // 0.6 - 0.2 - 0.2 = 0.2 of 128 slots: 25.6, so 26.
        assert_eq!(min_equal_slots(&Params::default()), 26);
    }
}
