//! `doublet sketch --out DIR`: the tables a Spark job makes candidate pairs
//! from, written as Parquet.
//!
//! - `DIR/paragraphs/part-NNNNN.parquet`, files in contiguous batches: one row
//!   per item (every paragraph long enough, and every cut paragraph read
//!   whole) with its key, file, path, paragraph, byte and line range, exact
//!   hash (xxh3-128 as `hash_hi`, `hash_lo`, the bits of two `u64` as `i64`),
//!   exact group, distinct shingle count, and, for the first item of each
//!   exact group, the MinHash sketch (`num_perm` slots, 16-bit values as
//!   `int32`) that the job estimates similarity with, or with `--method
//!   simhash` the 64-bit SimHash `fingerprint` (the bits as `int64`) whose
//!   Hamming distance the job bounds;
//! - `DIR/bands/part-NNNNN.parquet`, bands in contiguous ranges: one row per
//!   exact group and band, `(band, band_hash, exact_group)`, sorted; for
//!   SimHash a "band" is one of the permuted tables and its hash the
//!   fingerprint's bits under the table's mask, so that fingerprints within
//!   the distance share a bucket of some table;
//! - `DIR/settings.json`: the [`Settings`], also in every Parquet file's
//!   key-value metadata under [`METADATA_KEY`], so the job reads them
//!   without a Parquet footer reader;
//! - `DIR/_SUCCESS`, written last.
//!
//! Everything is written into a temporary directory beside `DIR` that takes
//! its place when complete, so a reader never sees half a table.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::builder::{Int32Builder, ListBuilder};
use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use super::{Settings, METADATA_KEY};
use crate::location;
use crate::lsh;
use crate::scan::handoff::{Candidates, Exact, Handoff, ItemView};
use crate::scan::{Method, Observer};
use crate::shingle::Shingler;
use crate::simhash;
use crate::source::Diagnostic;

/// Rows per record batch handed to the Parquet writer.
const BATCH_ROWS: usize = 65_536;
/// Items per paragraphs part file, about; at least [`MIN_PARTS`] parts when
/// there are that many files.
const PART_ROWS: usize = 1 << 20;
const MIN_PARTS: usize = 4;
/// Bands per bands part file: Spark reads the parts in parallel.
const BAND_PARTS: usize = 8;

/// What a sketch wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub items: usize,
    pub groups: usize,
    pub band_rows: usize,
    pub paragraph_parts: usize,
    pub band_parts: usize,
}

/// The [`Handoff`] that writes the tables into `out` and ends the scan.
pub struct Sketch {
    out: PathBuf,
    written: Mutex<Option<Written>>,
}

impl Sketch {
    pub fn new(out: impl Into<PathBuf>) -> Self {
        Sketch { out: out.into(), written: Mutex::new(None) }
    }

    /// What was written, once the scan ran without an error.
    pub fn written(&self) -> Option<Written> {
        self.written.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Handoff for Sketch {
    fn candidates(&self, exact: &Exact<'_>, observer: &dyn Observer) -> Result<Candidates, Diagnostic> {
        let written = write_tables(exact, &self.out, observer)?;
        *self.written.lock().unwrap_or_else(|e| e.into_inner()) = Some(written);
        Ok(Candidates::Stop)
    }
}

/// The Arrow schema of the paragraphs table.
pub fn paragraphs_schema() -> Schema {
    let int = |name: &str, t: DataType| Field::new(name, t, false);
    Schema::new(vec![
        int("key", DataType::Int64),
        int("file", DataType::Int32),
        int("path", DataType::Utf8),
        int("item", DataType::Int32),
        int("para_start", DataType::Int32),
        int("para_end", DataType::Int32),
        int("byte_start", DataType::Int64),
        int("byte_end", DataType::Int64),
        int("line_start", DataType::Int32),
        int("line_end", DataType::Int32),
        int("hash_hi", DataType::Int64),
        int("hash_lo", DataType::Int64),
        int("exact_group", DataType::Int64),
        int("representative", DataType::Boolean),
        int("shingles", DataType::Int32),
        Field::new("sketch", DataType::List(Arc::new(Field::new("item", DataType::Int32, true))), true),
        Field::new("fingerprint", DataType::Int64, true),
    ])
}

/// The Arrow schema of the bands table.
pub fn bands_schema() -> Schema {
    Schema::new(vec![
        Field::new("band", DataType::Int32, false),
        Field::new("band_hash", DataType::Int64, false),
        Field::new("exact_group", DataType::Int64, false),
    ])
}

fn write_tables(exact: &Exact<'_>, out: &Path, observer: &dyn Observer) -> Result<Written, Diagnostic> {
    let name = out.display().to_string();
    let io = |what: &str, e: &dyn std::fmt::Display| Diagnostic::error(&name, format!("{what}: {e}"));
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".doublet-sketch-")
        .tempdir_in(&parent)
        .map_err(|e| io("cannot make a temporary directory beside it", &e))?;
    let settings = Settings::of(exact);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_key_value_metadata(Some(vec![KeyValue::new(METADATA_KEY.to_string(), settings.to_string())]))
        .build();

    let params = exact.params();
    let simhash = params.method == Method::Simhash;
    let k = if simhash { 0 } else { params.num_perm };
    let sketches = if simhash { Vec::new() } else { exact.sketches(observer) };
    // Per exact group, its distinct shingles and, for SimHash, the
    // fingerprint a scan makes of them.
    let (shingles, fingerprints): (Vec<i32>, Vec<u64>) = (0..exact.groups() as u32)
        .into_par_iter()
        .map_init(Shingler::default, |s, g| {
            let set = s.set(&exact.text(g), params.ngram, params.seed);
            (set.len() as i32, if simhash { simhash::fingerprint(&set) } else { 0 })
        })
        .unzip();

    // Paragraphs: contiguous batches of files, one part file each.
    let items: usize = (0..exact.files()).map(|f| exact.items(f).count()).sum();
    let parts = exact.files().min(items.div_ceil(PART_ROWS).max(MIN_PARTS)).max(1);
    let dir = tmp.path().join("paragraphs");
    fs::create_dir(&dir).map_err(|e| io("cannot make paragraphs/", &e))?;
    let schema: SchemaRef = Arc::new(paragraphs_schema());
    (0..parts).into_par_iter().try_for_each(|part| {
        let files = part * exact.files() / parts..(part + 1) * exact.files() / parts;
        let path = dir.join(format!("part-{part:05}.parquet"));
        let file = File::create(&path).map_err(|e| io("cannot write paragraphs/", &e))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props.clone()))
            .map_err(|e| io("cannot write paragraphs/", &e))?;
        let mut rows = Rows::default();
        for f in files {
            let data = exact.data(f)?;
            for it in exact.items(f) {
                let g = it.group as usize;
                let fingerprint = simhash.then(|| fingerprints[g]);
                rows.push(exact, f, &it, &data, &sketches[g * k..(g + 1) * k], fingerprint);
                rows.shingles.push(shingles[g]);
                if rows.key.len() == BATCH_ROWS {
                    writer.write(&rows.batch(&schema)).map_err(|e| io("cannot write paragraphs/", &e))?;
                }
            }
        }
        if !rows.key.is_empty() {
            writer.write(&rows.batch(&schema)).map_err(|e| io("cannot write paragraphs/", &e))?;
        }
        writer.close().map_err(|e| io("cannot write paragraphs/", &e))?;
        Ok::<(), Diagnostic>(())
    })?;

    // Bands: contiguous band ranges, one part file each.
    let banding = params.banding();
    let masks = simhash::table_masks(params.simhash_distance);
    let bands = if simhash { masks.len() } else { banding.bands };
    let band_parts = bands.clamp(1, BAND_PARTS);
    let keys_of = |band: usize| {
        if simhash {
            simhash::table(&fingerprints, masks[band])
        } else {
            lsh::band_keys(&sketches, k, banding, band)
        }
    };
    let dir = tmp.path().join("bands");
    fs::create_dir(&dir).map_err(|e| io("cannot make bands/", &e))?;
    let schema: SchemaRef = Arc::new(bands_schema());
    (0..band_parts).into_par_iter().try_for_each(|part| {
        let path = dir.join(format!("part-{part:05}.parquet"));
        let file = File::create(&path).map_err(|e| io("cannot write bands/", &e))?;
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props.clone()))
            .map_err(|e| io("cannot write bands/", &e))?;
        for band in part * bands / band_parts..(part + 1) * bands / band_parts {
            let keys = keys_of(band);
            for chunk in keys.chunks(BATCH_ROWS) {
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(Int32Array::from(vec![band as i32; chunk.len()])),
                    Arc::new(Int64Array::from_iter_values(chunk.iter().map(|&(h, _)| h as i64))),
                    Arc::new(Int64Array::from_iter_values(chunk.iter().map(|&(_, g)| i64::from(g)))),
                ];
                let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| io("bands/", &e))?;
                writer.write(&batch).map_err(|e| io("cannot write bands/", &e))?;
            }
        }
        writer.close().map_err(|e| io("cannot write bands/", &e))?;
        Ok::<(), Diagnostic>(())
    })?;

    let mut json = File::create(tmp.path().join("settings.json")).map_err(|e| io("cannot write settings.json", &e))?;
    writeln!(json, "{settings}").map_err(|e| io("cannot write settings.json", &e))?;
    File::create(tmp.path().join("_SUCCESS")).map_err(|e| io("cannot write _SUCCESS", &e))?;
    replace_dir(tmp, out).map_err(|e| io("cannot put the tables in place", &e))?;
    Ok(Written { items, groups: exact.groups(), band_rows: exact.groups() * bands, paragraph_parts: parts, band_parts })
}

/// Puts the complete directory `tmp` at `out`; an old `out` is moved aside
/// first and removed after.
fn replace_dir(tmp: tempfile::TempDir, out: &Path) -> std::io::Result<()> {
    let tmp = tmp.keep();
    let old = out.exists().then(|| tmp.with_extension("old"));
    if let Some(old) = &old {
        fs::rename(out, old)?;
    }
    if let Err(e) = fs::rename(&tmp, out) {
        if let Some(old) = &old {
            let _ = fs::rename(old, out);
        }
        let _ = fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if let Some(old) = old {
        fs::remove_dir_all(old)?;
    }
    Ok(())
}

/// Columns of the paragraphs table being filled.
#[derive(Default)]
struct Rows {
    key: Vec<i64>,
    file: Vec<i32>,
    path: Vec<String>,
    item: Vec<i32>,
    para: [Vec<i32>; 2],
    bytes: [Vec<i64>; 2],
    lines: [Vec<i32>; 2],
    hash: [Vec<i64>; 2],
    group: Vec<i64>,
    representative: Vec<bool>,
    shingles: Vec<i32>,
    sketch: Vec<Option<Vec<i32>>>,
    fingerprint: Vec<Option<i64>>,
}

impl Rows {
    fn push(
        &mut self,
        exact: &Exact<'_>,
        file: usize,
        it: &ItemView,
        data: &[u8],
        sketch: &[u16],
        fingerprint: Option<u64>,
    ) {
        let last = location::last_char_start(data, it.byte_start, it.byte_end);
        let lines = location::positions(data, &[it.byte_start, last]);
        let representative = exact.representative(it.group) == it.key;
        self.key.push(it.key as i64);
        self.file.push(file as i32);
        self.path.push(exact.path(file).to_string());
        self.item.push(it.index as i32);
        self.para[0].push(it.para_start as i32);
        self.para[1].push(it.para_end as i32);
        self.bytes[0].push(it.byte_start as i64);
        self.bytes[1].push(it.byte_end as i64);
        self.lines[0].push(lines[0].line as i32);
        self.lines[1].push(lines[1].line as i32);
        self.hash[0].push((it.hash >> 64) as u64 as i64);
        self.hash[1].push(it.hash as u64 as i64);
        self.group.push(i64::from(it.group));
        self.representative.push(representative);
        let minhash = fingerprint.is_none();
        self.sketch.push((representative && minhash).then(|| sketch.iter().map(|&s| i32::from(s)).collect()));
        self.fingerprint.push(fingerprint.filter(|_| representative).map(|f| f as i64));
    }

    /// The rows so far as a record batch; empties the columns.
    fn batch(&mut self, schema: &SchemaRef) -> RecordBatch {
        let rows = std::mem::take(self);
        let i32s = |v: Vec<i32>| -> ArrayRef { Arc::new(Int32Array::from(v)) };
        let i64s = |v: Vec<i64>| -> ArrayRef { Arc::new(Int64Array::from(v)) };
        let mut sketch = ListBuilder::new(Int32Builder::new());
        for s in rows.sketch {
            sketch.append_option(s.map(|v| v.into_iter().map(Some)));
        }
        let [para_start, para_end] = rows.para;
        let [byte_start, byte_end] = rows.bytes;
        let [line_start, line_end] = rows.lines;
        let [hash_hi, hash_lo] = rows.hash;
        let columns: Vec<ArrayRef> = vec![
            i64s(rows.key),
            i32s(rows.file),
            Arc::new(StringArray::from(rows.path)),
            i32s(rows.item),
            i32s(para_start),
            i32s(para_end),
            i64s(byte_start),
            i64s(byte_end),
            i32s(line_start),
            i32s(line_end),
            i64s(hash_hi),
            i64s(hash_lo),
            i64s(rows.group),
            Arc::new(BooleanArray::from(rows.representative)),
            i32s(rows.shingles),
            Arc::new(sketch.finish()),
            Arc::new(Int64Array::from(rows.fingerprint)),
        ];
        RecordBatch::try_new(schema.clone(), columns).expect("columns match the schema")
    }
}
