//! `doublet blocks --groups DIR`: the candidate pairs the Spark job made,
//! handed to a scan of the same files in place of its own.
//!
//! The job's output directory holds `edges/` (Parquet, `a < b`: exact groups
//! whose sketches agree as much as a scan's candidates must), `groups/`
//! (paragraph key → group, for other uses) and `settings/` (the sketch's
//! [`Settings`], one JSON line), each complete when its `_SUCCESS` marker is
//! there. The settings are checked against the run's options before any file
//! is read and against its items once they are, so pairs are never applied
//! to other items than those they were made from.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use arrow_array::{Array, Int64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::Settings;
use crate::scan::handoff::{Candidates, Exact, Handoff};
use crate::scan::{Observer, Params};
use crate::source::Diagnostic;

/// The job's output, read and checked against a run's options.
pub struct Groups {
    settings_path: String,
    settings: Settings,
    edges: Mutex<Vec<(u32, u32)>>,
}

impl Groups {
    /// Reads the output of the job in `dir` for a run with `params`; the
    /// error names the file and what is wrong.
    pub fn open(dir: &Path, params: &Params) -> Result<Self, String> {
        let shown = |p: &Path| p.display().to_string();
        if !dir.is_dir() {
            return Err(format!(
                "{}: no such directory (the Spark job's output, --out of spark/doublet_groups.py)",
                shown(dir)
            ));
        }
        let settings_dir = dir.join("settings");
        let edges_dir = dir.join("edges");
        for d in [&settings_dir, &edges_dir] {
            if !d.join("_SUCCESS").exists() {
                return Err(format!("{}: incomplete or missing (no _SUCCESS): did the Spark job finish?", shown(d)));
            }
        }
        let text = data_files(&settings_dir)?
            .iter()
            .map(|p| fs::read_to_string(p).map_err(|e| format!("{}: {e}", shown(p))))
            .collect::<Result<String, String>>()?;
        let settings = Settings::parse(text.trim(), &shown(&settings_dir))?;
        if let Some(why) = settings.mismatch(&Settings::of_params(params)) {
            return Err(format!("{}: {why}", shown(&settings_dir)));
        }
        let groups = settings.json["groups"].as_u64().unwrap_or(0);
        let mut edges = Vec::new();
        for path in data_files(&edges_dir)? {
            read_edges(&path, groups, &mut edges)?;
        }
        edges.sort_unstable();
        edges.dedup();
        Ok(Groups { settings_path: shown(&settings_dir), settings, edges: Mutex::new(edges) })
    }

    /// Number of candidate pairs read.
    pub fn pairs(&self) -> usize {
        self.edges.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Handoff for Groups {
    fn candidates(&self, exact: &Exact<'_>, _: &dyn Observer) -> Result<Candidates, Diagnostic> {
        if let Some(why) = self.settings.mismatch(&Settings::of(exact)) {
            return Err(Diagnostic::error(&self.settings_path, why));
        }
        Ok(Candidates::Supplied(std::mem::take(&mut *self.edges.lock().unwrap_or_else(|e| e.into_inner()))))
    }
}

/// The data files of a Spark output directory (not `_SUCCESS`, `.crc` or
/// other hidden files), sorted.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with('_') && !name.starts_with('.') && entry.path().is_file() {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Appends the pairs `(a, b)` of one edges file, checking `a < b < groups`.
fn read_edges(path: &Path, groups: u64, out: &mut Vec<(u32, u32)>) -> Result<(), String> {
    let what = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = File::open(path).map_err(|e| what(&e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).and_then(|b| b.build()).map_err(|e| what(&e))?;
    for batch in reader {
        let batch = batch.map_err(|e| what(&e))?;
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
                .ok_or_else(|| what(&format!("no int64 column {name:?}: not an edges table")))
        };
        let (a, b) = (column("a")?, column("b")?);
        if a.null_count() + b.null_count() > 0 {
            return Err(what(&"null exact group in an edge"));
        }
        for (&x, &y) in a.values().iter().zip(b.values().iter()) {
            if !(0 <= x && x < y && (y as u64) < groups) {
                return Err(what(&format!("edge ({x}, {y}) is not a pair of exact groups a < b < {groups}")));
            }
            out.push((x as u32, y as u32));
        }
    }
    Ok(())
}
