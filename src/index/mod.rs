//! A persistent index for incremental scans: a collection is indexed once,
//! batch by batch, and each new batch is checked against everything indexed
//! without scanning it again.
//!
//! An index is a directory: a `MANIFEST` (JSON) that pins every parameter
//! that decides what an item and its keys are, and names the live segments
//! with their sizes and checksums; immutable segment files ([`segment`]),
//! one per `add`, each holding its files (path as given, size, xxh3-64
//! digest) and matchable items (exact key, LSH band keys, short sketch,
//! passage anchors, location) in sorted arrays that are memory-mapped and searched in place;
//! and a `LOCK` file that writers `flock`.
//!
//! **Checking** ([`check()`]) keeps a scan's semantics: the batch's exact keys,
//! band keys and passage anchors are looked up in every segment (band hits
//! filtered by the sketch estimate, as a scan filters its candidates; anchor
//! hits counted per indexed paragraph, as a scan counts them), the indexed files
//! holding candidates are read again from disk, and the normal scan runs on
//! the batch plus those files; findings that involve the batch are kept.
//!
//! **Writers** (`add`, `compact`) hold the lock for their whole run; a second
//! writer fails at once. They write a new segment under a temporary name,
//! sync it, rename it, sync the directory, and replace the manifest the same
//! way ([`store`]); a writer killed at any point leaves the old manifest and
//! the old segments, and the next writer removes what no manifest names.
//! **Readers** take no lock: they read the manifest once and open the
//! segments it names, which never change. A compaction does not delete the
//! segments it replaces: it lists them as retired, and a writer deletes them
//! once [`store::GRACE_SECS`] have passed, so a reader that read the old
//! manifest can still open them (a reader that finds a segment gone reads
//! the manifest once more).
//!
//! Test hooks, not for users: `DOUBLET_INDEX_CRASH_AFTER=<step>` aborts a
//! writer at a named step ([`store::crash_point`]), and
//! `DOUBLET_INDEX_GRACE_SECS` shortens the grace period.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::normalize;
use crate::scan::{self, FileRecord, Method, Params};
use crate::source::{self, io_message, Diagnostic, Source};

mod check;
pub mod segment;
pub mod store;

pub use check::check;
use segment::{Builder, Segment};
use store::{Manifest, SegmentMeta, WriterLock};

/// The parameters an index pins, under their option names.
pub fn pinned(p: &Params) -> Map<String, Value> {
    let b = p.banding();
    let mut m = Map::new();
    m.insert("normalization".into(), json!(normalize::VERSION));
    m.insert("method".into(), json!(p.method));
    if p.method == Method::Simhash {
        m.insert("simhash-distance".into(), json!(p.simhash_distance));
    }
    m.insert("threshold".into(), json!(p.threshold));
    m.insert("strict".into(), json!(!p.ocr));
    m.insert("ngram".into(), json!(p.ngram));
    m.insert("min-chars".into(), json!(p.min_chars));
    m.insert("num-perm".into(), json!(p.num_perm));
    m.insert("bands".into(), json!(b.bands));
    m.insert("rows".into(), json!(b.rows));
    m.insert("seed".into(), json!(p.seed));
    m.insert("lines".into(), json!(p.lines));
    m.insert("binary".into(), json!(p.binary));
    m.insert("ignore-pattern".into(), json!(p.ignore_patterns));
    // What a record's text and id are: the same files give other items
    // under other fields.
    m.insert("text-field".into(), json!(p.input.text_field()));
    m.insert("id-field".into(), json!(p.input.id_field));
    m
}

/// An open index: its manifest and the segments it names.
pub struct Index {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub segments: Vec<Segment>,
}

impl Index {
    /// Opens the index in `dir` for reading; every segment's length, header
    /// and block table are checked, and a damaged one is an error naming it.
    /// Blocks are checked when first read: see [`Index::damage`].
    pub fn open(dir: &Path) -> Result<Index, String> {
        let read = || {
            store::read_manifest(dir)?
                .ok_or_else(|| format!("{}: not a doublet index (no {})", dir.display(), store::MANIFEST))
        };
        let manifest = read()?;
        match open_segments(dir, &manifest) {
            Ok(segments) => Ok(Index { dir: dir.to_path_buf(), manifest, segments }),
            // A compaction replaced the manifest in between: once more.
            Err(None) => {
                let manifest = read()?;
                let segments = open_segments(dir, &manifest).map_err(|e| {
                    e.unwrap_or_else(|| format!("{}: a segment named by the manifest is missing", dir.display()))
                })?;
                Ok(Index { dir: dir.to_path_buf(), manifest, segments })
            }
            Err(Some(e)) => Err(e),
        }
    }

    /// Refuses `params` unless they are the index's, naming the first
    /// parameter that differs and both values.
    pub fn check_params(&self, params: &Params) -> Result<(), String> {
        compare(&self.dir, &self.manifest.params, &pinned(params))
    }

    pub fn files(&self) -> usize {
        self.segments.iter().map(Segment::files).sum()
    }

    pub fn items(&self) -> usize {
        self.segments.iter().map(Segment::items).sum()
    }

    /// The first damage found in a segment since it was opened, naming the
    /// file: what was read from it cannot be trusted, so whoever read it
    /// must give up with this error.
    pub fn damage(&self) -> Option<String> {
        self.segments.iter().find_map(Segment::damage)
    }

    /// Checks every block of every segment; the error names the first
    /// damaged one.
    pub fn verify(&self) -> Result<(), String> {
        self.segments.iter().try_for_each(Segment::verify)
    }

    /// Every indexed path.
    fn paths(&self) -> HashSet<String> {
        self.segments.iter().flat_map(|s| (0..s.files()).map(move |f| s.file(f).path)).collect()
    }
}

/// Opens the segments `m` names; `Err(None)` when one is missing.
fn open_segments(dir: &Path, m: &Manifest) -> Result<Vec<Segment>, Option<String>> {
    m.segments
        .iter()
        .map(|meta| {
            let path = dir.join(&meta.name);
            let checksum = u64::from_str_radix(&meta.checksum, 16).unwrap_or(0);
            Segment::open(&path, meta.bytes, checksum).map_err(|e| e.map(|e| format!("{}: {e}", path.display())))
        })
        .collect()
}

fn compare(dir: &Path, index: &Map<String, Value>, run: &Map<String, Value>) -> Result<(), String> {
    let keys = run.keys().chain(index.keys().filter(|k| !run.contains_key(*k)));
    // A parameter pinned only by later versions: an index made before had
    // its default.
    let defaults = pinned(&Params::default());
    for key in keys {
        let a = index.get(key).or_else(|| defaults.get(key)).unwrap_or(&Value::Null);
        let b = run.get(key).unwrap_or(&Value::Null);
        if a != b {
            return Err(format!(
                "index {} was built with {key} {a}, this run has {key} {b}; the parameters of an index cannot change",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// What an `add` stores beyond what every check needs.
#[derive(Clone, Copy, Debug)]
pub struct Store {
    /// Passage anchors, so that a check finds containment and shared
    /// passages in these files (`index add --no-passages` leaves them out).
    pub anchors: bool,
}

impl Default for Store {
    fn default() -> Self {
        Store { anchors: true }
    }
}

/// What an `add` did.
#[derive(Debug, Default)]
pub struct Added {
    /// The new segment's name; `None` when nothing was added.
    pub segment: Option<String>,
    pub files: usize,
    pub items: usize,
    /// Skipped and unreadable inputs, already indexed paths, notes.
    pub diagnostics: Vec<Diagnostic>,
}

/// Adds `sources` to the index in `dir` (made when missing) as one new
/// segment. Errors that stop the whole add (a bad index, other parameters,
/// another writer) are `Err`; inputs that cannot be indexed are diagnostics.
pub fn add(dir: &Path, sources: Vec<Source>, params: &Params, store: Store) -> Result<Added, String> {
    add_with(dir, params, store, |indexed| {
        let mut diagnostics = Vec::new();
        // An index reads its files again: only regular files can be in it.
        let (sources, unreadable): (Vec<Source>, Vec<Source>) =
            sources.into_iter().partition(|s| matches!(s.origin, source::Origin::File { fifo: false, .. }));
        for s in unreadable {
            diagnostics
                .push(Diagnostic::error(&s.name, "only regular files can be indexed (a check reads them again)"));
        }
        let (sources, known): (Vec<Source>, Vec<Source>) =
            sources.into_iter().partition(|s| !indexed.contains(&s.name));
        for s in known {
            diagnostics.push(Diagnostic::note(&s.name, "already in the index, not added again"));
        }
        let (records, mut more) = scan::records(sources, params);
        diagnostics.append(&mut more);
        (records, diagnostics)
    })
}

/// Adds files already read into records (by [`scan::records`], or made up
/// by a benchmark) as one new segment; paths already indexed are left out.
pub fn add_records(dir: &Path, records: Vec<FileRecord>, params: &Params, store: Store) -> Result<Added, String> {
    add_with(dir, params, store, |indexed| {
        let (records, known): (Vec<FileRecord>, Vec<FileRecord>) =
            records.into_iter().partition(|r| !indexed.contains(&r.name));
        let notes = known.iter().map(|r| Diagnostic::note(&r.name, "already in the index, not added again")).collect();
        (records, notes)
    })
}

/// An `add` under the writer lock: `read` gets the indexed paths and gives
/// the records to add.
fn add_with(
    dir: &Path,
    params: &Params,
    store: Store,
    read: impl FnOnce(&HashSet<String>) -> (Vec<FileRecord>, Vec<Diagnostic>),
) -> Result<Added, String> {
    prepare_dir(dir)?;
    let _lock = WriterLock::take(dir)?;
    let mut manifest = match store::read_manifest(dir)? {
        Some(m) => m,
        None => Manifest {
            format: store::FORMAT,
            params: pinned(params),
            next_segment: 1,
            segments: Vec::new(),
            retired: Vec::new(),
        },
    };
    compare(dir, &manifest.params, &pinned(params))?;
    store::clean(dir, &mut manifest)
        .map_err(|e| format!("{}: cannot remove leftovers: {}", dir.display(), io_message(&e)))?;
    let indexed = open_segments(dir, &manifest)
        .map_err(|e| e.unwrap_or_else(|| format!("{}: a segment named by the manifest is missing", dir.display())))?;
    let indexed = Index { dir: dir.to_path_buf(), manifest: manifest.clone(), segments: indexed };
    let paths: HashSet<String> = indexed.paths();
    if let Some(damage) = indexed.damage() {
        return Err(damage);
    }
    let (records, diagnostics) = read(&paths);
    let mut out = Added { diagnostics, ..Added::default() };
    if records.is_empty() {
        return Ok(out);
    }
    let (tables, slots) = params.index_shape();
    let mut builder = Builder::new(tables, slots);
    if !store.anchors {
        builder.without_anchors();
    }
    for r in records {
        builder.push_record(r);
    }
    let meta = write_segment(dir, &mut manifest, &mut builder)?;
    (out.files, out.items) = (meta.files as usize, meta.items as usize);
    out.segment = Some(meta.name.clone());
    manifest.segments.push(meta);
    store::write_manifest(dir, &manifest).map_err(|e| cannot_write(dir, store::MANIFEST, &e))?;
    Ok(out)
}

/// Makes `dir` when missing; refuses a directory that holds other things
/// and no index.
fn prepare_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {}", dir.display(), io_message(&e)))?;
    if dir.join(store::MANIFEST).exists() {
        return Ok(());
    }
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {}", dir.display(), io_message(&e)))?;
    let foreign = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n != store::LOCK && !n.starts_with(store::SEGMENT_PREFIX) && !n.starts_with(store::MANIFEST));
    match foreign {
        Some(name) => {
            Err(format!("{}: not an index directory (it holds {name} and no {})", dir.display(), store::MANIFEST))
        }
        None => Ok(()),
    }
}

fn cannot_write(dir: &Path, name: &str, e: &std::io::Error) -> String {
    format!("{}: cannot write: {}", dir.join(name).display(), io_message(e))
}

/// Writes `builder` as the next segment: temporary name, sync, rename,
/// sync the directory.
fn write_segment(dir: &Path, manifest: &mut Manifest, builder: &mut Builder) -> Result<SegmentMeta, String> {
    let name = store::segment_name(manifest.next_segment);
    manifest.next_segment += 1;
    let temp = dir.join(format!("{name}{}", store::TEMP_SUFFIX));
    let written = builder.write(&temp, || store::crash_point("segment-partial")).and_then(|(bytes, checksum)| {
        store::crash_point("segment-written");
        fs::rename(&temp, dir.join(&name))?;
        store::sync_dir(dir)?;
        store::crash_point("segment-renamed");
        Ok((bytes, checksum))
    });
    match written {
        Ok((bytes, checksum)) => Ok(SegmentMeta {
            name,
            bytes,
            checksum: format!("{checksum:016x}"),
            files: builder.files() as u64,
            items: builder.items() as u64,
        }),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(cannot_write(dir, &name, &e))
        }
    }
}

/// What a compaction did.
#[derive(Debug)]
pub struct Compacted {
    /// Segments merged (0 when there was nothing to merge).
    pub merged: usize,
    pub segment: Option<String>,
    /// Files of crashed writers and retired segments past their grace.
    pub removed: usize,
    /// Merged segments written by an earlier doublet, without passage
    /// anchors: when there are any, the new segment holds none.
    pub without_anchors: usize,
}

/// Merges every segment of the index in `dir` into one. Nothing is dropped:
/// the new segment holds every file and item of the old ones, so every
/// lookup answers as before. The old segments are retired, not deleted.
pub fn compact(dir: &Path) -> Result<Compacted, String> {
    let _lock = WriterLock::take(dir)?;
    let mut manifest = store::read_manifest(dir)?
        .ok_or_else(|| format!("{}: not a doublet index (no {})", dir.display(), store::MANIFEST))?;
    let retired_before = manifest.retired.len();
    let removed = store::clean(dir, &mut manifest)
        .map_err(|e| format!("{}: cannot remove leftovers: {}", dir.display(), io_message(&e)))?
        .len();
    let segments = open_segments(dir, &manifest)
        .map_err(|e| e.unwrap_or_else(|| format!("{}: a segment named by the manifest is missing", dir.display())))?;
    if segments.len() <= 1 {
        if manifest.retired.len() != retired_before {
            store::write_manifest(dir, &manifest).map_err(|e| cannot_write(dir, store::MANIFEST, &e))?;
        }
        return Ok(Compacted { merged: 0, segment: None, removed, without_anchors: 0 });
    }
    // Everything is read: check it all first.
    segments.iter().try_for_each(Segment::verify)?;
    let (bands, slots) = segments[0].shape();
    let mut builder = Builder::new(bands, slots);
    for s in &segments {
        builder.push_segment(s);
    }
    let without_anchors = builder.anchorless();
    let meta = write_segment(dir, &mut manifest, &mut builder)?;
    let name = meta.name.clone();
    let now = store::now_secs();
    let old = std::mem::replace(&mut manifest.segments, vec![meta]);
    manifest.retired.extend(old.into_iter().map(|s| store::Retired { name: s.name, since: now }));
    store::write_manifest(dir, &manifest).map_err(|e| cannot_write(dir, store::MANIFEST, &e))?;
    Ok(Compacted { merged: segments.len(), segment: Some(name), removed, without_anchors })
}

/// Sizes and parameters of an index.
#[derive(Debug)]
pub struct Stats {
    pub segments: usize,
    pub retired: usize,
    pub files: usize,
    pub items: usize,
    /// Entries of the segments' passage anchor tables (a file's distinct
    /// anchors, one entry for an anchor common in a segment).
    pub anchors: usize,
    /// Segments written by an earlier doublet, without passage anchors.
    pub without_anchors: usize,
    /// Live segments and the manifest.
    pub bytes: u64,
    pub params: Map<String, Value>,
}

impl Stats {
    pub fn of(index: &Index) -> Stats {
        let manifest_bytes = fs::metadata(index.dir.join(store::MANIFEST)).map_or(0, |m| m.len());
        Stats {
            segments: index.segments.len(),
            retired: index.manifest.retired.len(),
            files: index.files(),
            items: index.items(),
            anchors: index.segments.iter().map(Segment::anchor_entries).sum(),
            without_anchors: index.segments.iter().filter(|s| !s.has_anchors()).count(),
            bytes: index.segments.iter().map(Segment::bytes).sum::<u64>() + manifest_bytes,
            params: index.manifest.params.clone(),
        }
    }

    /// `key: value` lines.
    pub fn to_text(&self) -> String {
        let per_item = if self.items == 0 { 0.0 } else { self.bytes as f64 / self.items as f64 };
        let mut out = format!(
            "segments: {}\nretired segments: {}\nfiles: {}\nitems: {}\nanchor entries: {}\n\
             segments without anchors: {}\nbytes on disk: {}\nbytes per item: {per_item:.1}\n",
            self.segments, self.retired, self.files, self.items, self.anchors, self.without_anchors, self.bytes
        );
        for (k, v) in &self.params {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out
    }
}
