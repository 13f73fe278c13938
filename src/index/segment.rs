//! One immutable segment file: the files and items of one `add` (or of a
//! compaction), in sorted arrays that are searched where they lie on disk.
//!
//! Layout, all integers little-endian, every record of fixed size so that
//! record `i` is found by arithmetic and no table is built at open:
//!
//! ```text
//! header   64 B   magic "DBLTSEG1", version, bands, sketch slots, files, items, path bytes,
//!                 checksum block size
//! files    32 B   per file: path offset u64, path length u32, paragraphs u32, size u64, digest u64
//! items    56 B   per item: file, first and last paragraph, page, byte start and end,
//!                 line and column of start and end, content hash
//! exact    20 B   per item, sorted: exact key u128, item u32
//! bands     8 B   per band, per item, sorted: band key u32, item u32
//! sketches  k B   per item: its slots' low 8 bits
//! paths           the files' paths, end to end
//! blocks    8 B   per 1 KiB block of all the above: its xxh3-64
//! footer   16 B   xxh3-64 of the header and the block table, magic "DBLTEND1"
//! ```
//!
//! Keys are hashes, so they are spread evenly: a lookup interpolates its way
//! to the key in a few probes (and falls back to halving when it does not
//! converge), touching a handful of pages of a table of millions.
//!
//! Opening a segment checks its length, the header and the block table
//! against the checksum the manifest recorded, and the first block; every
//! other block is checked the first time something is read from it. So an
//! index of millions of items opens in milliseconds, a lookup pays for the
//! few blocks it touches, and no byte is used unchecked: a block that does
//! not match its checksum marks the segment damaged ([`Segment::damage`]),
//! reads from it give zeros, and the caller turns the damage into an error
//! naming the file before it reports anything. [`Segment::verify`] checks
//! every block (compaction, `doublet index verify`). Segments of format 1
//! (one checksum of the whole file) are still read, checked whole at open.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use memmap2::Mmap;
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::scan::{FileRecord, ItemRecord};

const MAGIC: &[u8; 8] = b"DBLTSEG1";
const END: &[u8; 8] = b"DBLTEND1";
/// The format written; 1 is still read.
const VERSION: u32 = 2;
/// Bytes per checksummed block: a lookup's probes touch a few of them.
/// A lookup's probe reads a few bytes and a batch's walk of a table touches
/// it in scattered places, so a block is a quarter of a page: the first
/// check after opening hashes about four times less than with whole pages,
/// for 8 bytes of table per KiB (0.8 % of a segment).
const BLOCK: usize = 1 << 10;
const HEADER: usize = 64;
const FOOTER: usize = 16;
const FILE_BYTES: usize = 32;
const ITEM_BYTES: usize = 56;
const EXACT_BYTES: usize = 20;
const BAND_BYTES: usize = 8;

/// A file as a segment keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub digest: u64,
    pub paragraphs: u32,
}

/// Collects files and items, then writes them as one segment.
pub struct Builder {
    bands: usize,
    slots: usize,
    files: Vec<FileEntry>,
    /// Item and the file (index into `files`) it belongs to.
    items: Vec<(u32, ItemRecord)>,
    band_keys: Vec<u32>,
    sketches: Vec<u8>,
}

impl Builder {
    pub fn new(bands: usize, slots: usize) -> Self {
        Builder { bands, slots, files: Vec::new(), items: Vec::new(), band_keys: Vec::new(), sketches: Vec::new() }
    }

    pub fn items(&self) -> usize {
        self.items.len()
    }

    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Adds one file made by [`crate::scan::records`].
    pub fn push_record(&mut self, r: FileRecord) {
        let file = self.files.len() as u32;
        self.files.push(FileEntry { path: r.name, bytes: r.bytes, digest: r.digest, paragraphs: r.paragraphs });
        self.items.extend(r.items.into_iter().map(|it| (file, it)));
        self.band_keys.extend_from_slice(&r.band_keys);
        self.sketches.extend_from_slice(&r.sketches);
    }

    /// Adds everything of another segment (for compaction).
    pub fn push_segment(&mut self, s: &Segment) {
        let base = self.files.len() as u32;
        self.files.extend((0..s.files()).map(|f| s.file(f)));
        let first_item = self.items.len();
        self.items.extend((0..s.items()).map(|i| (base + s.item_file(i), s.item(i))));
        self.band_keys.resize(self.band_keys.len() + s.items() * self.bands, 0);
        for b in 0..self.bands {
            for e in 0..s.items() {
                let (key, item) = s.band_entry(b, e);
                self.band_keys[(first_item + item as usize) * self.bands + b] = key;
            }
        }
        for e in 0..s.items() {
            let (key, item) = s.exact_entry(e);
            self.items[first_item + item as usize].1.key = key;
        }
        for i in 0..s.items() {
            self.sketches.extend_from_slice(s.sketch(i));
        }
    }

    /// Writes the segment to `path` (which must not be visible to readers
    /// yet), syncs it, and returns its size and checksum. `halfway` runs once
    /// the first tables are on disk (the crash hook's point).
    pub fn write(&self, path: &Path, halfway: impl FnOnce()) -> io::Result<(u64, u64)> {
        let mut out = Hashing {
            out: BufWriter::with_capacity(1 << 20, File::create(path)?),
            block: Xxh3::new(),
            in_block: 0,
            sums: Vec::new(),
            len: 0,
        };
        let paths_len: usize = self.files.iter().map(|f| f.path.len()).sum();
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&(self.bands as u32).to_le_bytes());
        header[16..20].copy_from_slice(&(self.slots as u32).to_le_bytes());
        header[24..32].copy_from_slice(&(self.files.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&(self.items.len() as u64).to_le_bytes());
        header[40..48].copy_from_slice(&(paths_len as u64).to_le_bytes());
        header[48..52].copy_from_slice(&(BLOCK as u32).to_le_bytes());
        out.put(&header)?;
        let mut at = 0u64;
        for f in &self.files {
            let mut r = [0u8; FILE_BYTES];
            r[..8].copy_from_slice(&at.to_le_bytes());
            r[8..12].copy_from_slice(&(f.path.len() as u32).to_le_bytes());
            r[12..16].copy_from_slice(&f.paragraphs.to_le_bytes());
            r[16..24].copy_from_slice(&f.bytes.to_le_bytes());
            r[24..32].copy_from_slice(&f.digest.to_le_bytes());
            out.put(&r)?;
            at += f.path.len() as u64;
        }
        for (file, it) in &self.items {
            let mut r = [0u8; ITEM_BYTES];
            let words = [*file, it.para_first, it.para_last, it.page];
            for (i, w) in words.iter().enumerate() {
                r[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            r[16..24].copy_from_slice(&it.byte_start.to_le_bytes());
            r[24..32].copy_from_slice(&it.byte_end.to_le_bytes());
            let words = [it.line_start, it.col_start, it.line_end, it.col_end];
            for (i, w) in words.iter().enumerate() {
                r[32 + 4 * i..36 + 4 * i].copy_from_slice(&w.to_le_bytes());
            }
            r[48..56].copy_from_slice(&it.content.to_le_bytes());
            out.put(&r)?;
        }
        out.out.flush()?;
        halfway();
        let mut exact: Vec<(u128, u32)> =
            self.items.iter().enumerate().map(|(i, (_, it))| (it.key, i as u32)).collect();
        exact.par_sort_unstable();
        for (key, item) in exact {
            out.put(&key.to_le_bytes())?;
            out.put(&item.to_le_bytes())?;
        }
        for b in 0..self.bands {
            let mut band: Vec<(u32, u32)> =
                (0..self.items.len()).map(|i| (self.band_keys[i * self.bands + b], i as u32)).collect();
            band.par_sort_unstable();
            for (key, item) in band {
                out.put(&key.to_le_bytes())?;
                out.put(&item.to_le_bytes())?;
            }
        }
        out.put(&self.sketches)?;
        for f in &self.files {
            out.put(f.path.as_bytes())?;
        }
        let table: Vec<u8> = out.finish().iter().flat_map(|s| s.to_le_bytes()).collect();
        let checksum = footer_checksum(&header, &table);
        let len = out.len + (table.len() + FOOTER) as u64;
        let mut out = out.out;
        out.write_all(&table)?;
        out.write_all(&checksum.to_le_bytes())?;
        out.write_all(END)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok((len, checksum))
    }
}

/// A writer that checksums what passes through it, block by block.
struct Hashing {
    out: BufWriter<File>,
    block: Xxh3,
    in_block: usize,
    sums: Vec<u64>,
    len: u64,
}

impl Hashing {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let take = (BLOCK - self.in_block).min(rest.len());
            self.block.update(&rest[..take]);
            self.in_block += take;
            if self.in_block == BLOCK {
                self.sums.push(self.block.digest());
                self.block.reset();
                self.in_block = 0;
            }
            rest = &rest[take..];
        }
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    /// The checksums of all blocks, the last one short.
    fn finish(&mut self) -> Vec<u64> {
        if self.in_block > 0 {
            self.sums.push(self.block.digest());
            self.in_block = 0;
        }
        std::mem::take(&mut self.sums)
    }
}

/// The checksum the footer and the manifest hold: of the header and the
/// block table, which hold the checksums of everything else.
fn footer_checksum(header: &[u8], table: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(header);
    h.update(table);
    h.digest()
}

/// What reads from a damaged block get (the caller reports the damage).
static ZEROS: [u8; 4096] = [0; 4096];

/// An open segment: its file mapped into memory, its blocks checked when
/// first read.
pub struct Segment {
    map: Mmap,
    /// The file's path, for messages.
    name: String,
    bands: usize,
    slots: usize,
    files: usize,
    items: usize,
    files_at: usize,
    items_at: usize,
    exact_at: usize,
    bands_at: usize,
    sketches_at: usize,
    paths_at: usize,
    /// Where the checked tables end (and the block table begins).
    data_end: usize,
    /// Blocks are `1 << block_shift` bytes.
    block_shift: u32,
    /// One bit per block: checked and found good.
    checked: Vec<AtomicU64>,
    /// The first damage found (the message, without the file's name).
    damage: OnceLock<String>,
}

impl Segment {
    /// Maps `path` and checks its length, header and block table against
    /// what the manifest recorded; the error says what is wrong (the caller
    /// names the file). A missing file is `Err(None)`.
    pub fn open(path: &Path, len: u64, checksum: u64) -> Result<Segment, Option<String>> {
        let file = File::open(path).map_err(|e| {
            (e.kind() != io::ErrorKind::NotFound).then(|| format!("cannot open: {}", crate::source::io_message(&e)))
        })?;
        // SAFETY: segments are never written after they are renamed into
        // place (writers make new files and only ever delete old ones), so
        // the mapped bytes do not change under the reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Some(format!("cannot map: {e}")))?;
        let actual = map.len() as u64;
        if actual != len {
            return Err(Some(format!("truncated or damaged segment: {actual} bytes, the manifest says {len}")));
        }
        if map.len() < HEADER + FOOTER || &map[..8] != MAGIC || &map[map.len() - 8..] != END {
            return Err(Some("not a doublet index segment (bad magic number)".into()));
        }
        let body = map.len() - FOOTER;
        let stored = u64_at(&map, body);
        let version = u32_at(&map, 8);
        if version != 1 && version != VERSION {
            return Err(Some(format!("segment format {version}, this doublet reads 1 and {VERSION}")));
        }
        let bands = u32_at(&map, 12) as usize;
        let slots = u32_at(&map, 16) as usize;
        let files = u64_at(&map, 24) as usize;
        let items = u64_at(&map, 32) as usize;
        let paths = u64_at(&map, 40) as usize;
        // Format 1 has no block table: its blocks are all checked below.
        let block = if version == 1 { BLOCK } else { u32_at(&map, 48) as usize };
        let files_at = HEADER;
        let items_at = files_at + files * FILE_BYTES;
        let exact_at = items_at + items * ITEM_BYTES;
        let bands_at = exact_at + items * EXACT_BYTES;
        let sketches_at = bands_at + bands * items * BAND_BYTES;
        let paths_at = sketches_at + items * slots;
        let data_end = paths_at + paths;
        let blocks = data_end.div_ceil(block.max(1));
        let table = if version == 1 { 0 } else { blocks * 8 };
        if !block.is_power_of_two() || data_end.checked_add(table) != Some(body) {
            return Err(Some("damaged segment: its tables do not add up to its length".into()));
        }
        // Format 1 checksums the whole body, format 2 the header and the
        // block table.
        let actual = if version == 1 {
            xxhash_rust::xxh3::xxh3_64(&map[..body])
        } else {
            footer_checksum(&map[..HEADER], &map[data_end..body])
        };
        if stored != checksum || actual != checksum {
            return Err(Some(format!("corrupt segment: checksum {actual:016x}, the manifest says {checksum:016x}")));
        }
        let segment = Segment {
            map,
            name: path.display().to_string(),
            bands,
            slots,
            files,
            items,
            files_at,
            items_at,
            exact_at,
            bands_at,
            sketches_at,
            paths_at,
            data_end,
            block_shift: block.trailing_zeros(),
            checked: (0..blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            damage: OnceLock::new(),
        };
        if version == 1 {
            // Checked whole above.
            segment.checked.iter().for_each(|w| w.store(u64::MAX, Relaxed));
        } else if !segment.check_block(0) {
            return Err(segment.damage.into_inner());
        }
        Ok(segment)
    }

    /// Whether block `b` matches its checksum, checking it the first time.
    fn check_block(&self, b: usize) -> bool {
        let (word, bit) = (&self.checked[b / 64], 1u64 << (b % 64));
        if word.load(Relaxed) & bit != 0 {
            return true;
        }
        let (start, end) = (b << self.block_shift, ((b + 1) << self.block_shift).min(self.data_end));
        let actual = xxhash_rust::xxh3::xxh3_64(&self.map[start..end]);
        let stored = u64_at(&self.map, self.data_end + 8 * b);
        if actual != stored {
            let _ = self.damage.set(format!(
                "corrupt segment: checksum {actual:016x} of bytes {start}..{end}, its block table says {stored:016x}"
            ));
            return false;
        }
        word.fetch_or(bit, Relaxed);
        true
    }

    /// The `len` bytes at `at`, checked; zeros when they are damaged or out
    /// of the tables (the damage is then recorded).
    fn read(&self, at: usize, len: usize) -> &[u8] {
        let end = at.saturating_add(len);
        if len == 0 {
            return &[];
        }
        if end > self.data_end {
            let _ = self.damage.set("damaged segment: a table points past its end".into());
        } else if (at >> self.block_shift..=(end - 1) >> self.block_shift).all(|b| self.check_block(b)) {
            return &self.map[at..end];
        }
        &ZEROS[..len.min(ZEROS.len())]
    }

    /// The first damage found in the segment, naming it; everything read
    /// since it was found may be zeros.
    pub fn damage(&self) -> Option<String> {
        self.damage.get().map(|d| format!("{}: {d}", self.name))
    }

    /// Checks every block, in parallel; the error names the first damage.
    pub fn verify(&self) -> Result<(), String> {
        let blocks = self.data_end.div_ceil(1 << self.block_shift);
        (0..blocks).into_par_iter().for_each(|b| {
            self.check_block(b);
        });
        self.damage().map_or(Ok(()), Err)
    }

    pub fn files(&self) -> usize {
        self.files
    }

    /// Band keys per item and sketch slots per item.
    pub fn shape(&self) -> (usize, usize) {
        (self.bands, self.slots)
    }

    pub fn items(&self) -> usize {
        self.items
    }

    pub fn bytes(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn file(&self, f: usize) -> FileEntry {
        let r = self.read(self.files_at + f * FILE_BYTES, FILE_BYTES);
        let (at, len) = (u64_at(r, 0) as usize, u32_at(r, 8) as usize);
        let bytes = self.read(self.paths_at.saturating_add(at), len);
        FileEntry {
            path: String::from_utf8_lossy(bytes).into_owned(),
            paragraphs: u32_at(r, 12),
            bytes: u64_at(r, 16),
            digest: u64_at(r, 24),
        }
    }

    /// The file (index into the segment's files) item `i` belongs to.
    pub fn item_file(&self, i: usize) -> u32 {
        u32_at(self.read(self.items_at + i * ITEM_BYTES, 4), 0)
    }

    /// Item `i`, without its exact key (0): the sorted exact table holds
    /// the keys, and a lookup already knows the key it looked up.
    pub fn item(&self, i: usize) -> ItemRecord {
        let r = self.read(self.items_at + i * ITEM_BYTES, ITEM_BYTES);
        let w = |k: usize| u32_at(r, 4 * k);
        ItemRecord {
            key: 0,
            para_first: w(1),
            para_last: w(2),
            page: w(3),
            byte_start: u64_at(r, 16),
            byte_end: u64_at(r, 24),
            line_start: w(8),
            col_start: w(9),
            line_end: w(10),
            col_end: w(11),
            content: u64_at(r, 48),
        }
    }

    /// Entry `e` of the sorted exact table: key and item.
    fn exact_entry(&self, e: usize) -> (u128, u32) {
        let r = self.read(self.exact_at + e * EXACT_BYTES, EXACT_BYTES);
        (u128_at(r, 0), u32_at(r, 16))
    }

    /// For every `(key, tag)` of `keys` (sorted by key), `found(tag, item)`
    /// for each item whose exact key is `key`. See [`Segment::walk`].
    pub fn exact_all(&self, keys: &[(u128, u32)], found: impl FnMut(u32, u32)) {
        walk(self.items, |e| self.exact_entry(e), keys.iter().copied(), found);
    }

    /// [`Segment::exact_all`] for band `b`'s keys.
    pub fn band_all(&self, b: usize, keys: &[(u32, u32)], found: impl FnMut(u32, u32)) {
        // Band keys compare as the top bits of a u128, where the search
        // interpolates.
        let entry = |e: usize| {
            let (key, item) = self.band_entry(b, e);
            ((key as u128) << 96, item)
        };
        walk(self.items, entry, keys.iter().map(|&(key, tag)| ((key as u128) << 96, tag)), found);
    }

    /// Entry `e` of band `b`'s sorted table: key and item.
    fn band_entry(&self, b: usize, e: usize) -> (u32, u32) {
        let r = self.read(self.bands_at + (b * self.items + e) * BAND_BYTES, BAND_BYTES);
        (u32_at(r, 0), u32_at(r, 4))
    }

    pub fn sketch(&self, i: usize) -> &[u8] {
        self.read(self.sketches_at + i * self.slots, self.slots)
    }
}

/// For every `(key, tag)` of `keys` (sorted by key), `found(tag, item)` for
/// each of the `n` entries `entry(e) = (key, item)` of a sorted table that
/// hold `key`. The table is walked once, each search starting where the
/// last one ended, so a batch of keys touches each page at most once.
fn walk(
    n: usize,
    entry: impl Fn(usize) -> (u128, u32),
    keys: impl Iterator<Item = (u128, u32)>,
    mut found: impl FnMut(u32, u32),
) {
    let key_at = |e: usize| entry(e).0;
    let mut from = 0;
    for (key, tag) in keys {
        let mut e = lower_bound(from, n, &key_at, key);
        from = e;
        while e < n {
            let (k, item) = entry(e);
            if k != key {
                break;
            }
            found(tag, item);
            e += 1;
        }
    }
}

/// The first entry at or after `from` whose key is at least `target`, among
/// sorted keys `from..n`. Keys are hashes (spread evenly), so interpolating
/// on their top 64 bits lands next to the answer; after a few probes that do
/// not, halving ends it.
fn lower_bound(from: usize, n: usize, key_at: &dyn Fn(usize) -> u128, target: u128) -> usize {
    let (mut lo, mut hi) = (from.min(n), n);
    for _ in 0..8 {
        if hi - lo <= 16 {
            break;
        }
        let (first, last) = (key_at(lo), key_at(hi - 1));
        if target <= first {
            return lo;
        }
        if target > last {
            return hi;
        }
        let (t, f, l) = ((target >> 64) as u64, (first >> 64) as u64, (last >> 64) as u64);
        let span = (hi - 1 - lo) as u128;
        let guess = lo + ((t - f) as u128 * span / (l - f).max(1) as u128) as usize;
        let guess = guess.clamp(lo, hi - 1);
        if key_at(guess) < target {
            lo = guess + 1;
        } else {
            hi = guess;
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if key_at(mid) < target {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn u128_at(b: &[u8], at: usize) -> u128 {
    b.get(at..at + 16).map_or(0, |s| u128::from_le_bytes(s.try_into().unwrap_or([0; 16])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::mix;

    const BANDS: usize = 32;

    /// Items of `s` whose exact key is `key`.
    fn exact(s: &Segment, key: u128) -> Vec<u32> {
        let mut out = Vec::new();
        s.exact_all(&[(key, 0)], |_, item| out.push(item));
        out
    }
    const SLOTS: usize = 128;

    /// A segment of `files` files of 100 items each, written to `path`:
    /// its length and checksum.
    fn write(path: &Path, files: usize) -> (u64, u64) {
        let mut b = Builder::new(BANDS, SLOTS);
        for f in 0..files {
            let r = |i: usize| mix((f * 1000 + i) as u64);
            b.push_record(FileRecord {
                name: format!("file-{f}.txt"),
                bytes: 100 * 500,
                digest: r(999),
                paragraphs: 100,
                items: (0..100)
                    .map(|i| ItemRecord {
                        key: (r(i) as u128) << 64 | i as u128,
                        para_first: i as u32,
                        para_last: i as u32,
                        byte_start: 500 * i as u64,
                        byte_end: 500 * i as u64 + 498,
                        line_start: 2 * i as u32 + 1,
                        col_start: 1,
                        line_end: 2 * i as u32 + 1,
                        col_end: 498,
                        page: 0,
                        content: r(i + 7),
                    })
                    .collect(),
                band_keys: (0..100 * BANDS).map(|i| r(i << 20) as u32).collect(),
                sketches: (0..100 * SLOTS).map(|i| r(i << 24) as u8).collect(),
                snippets: vec![String::new(); 100],
            });
        }
        b.write(path, || ()).unwrap()
    }

    #[test]
    fn blocks_are_checked_when_first_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        let (len, checksum) = write(&path, 20);
        let good = Segment::open(&path, len, checksum).unwrap();
        assert_eq!(good.file(19).path, "file-19.txt");
        let key = (mix(19 * 1000 + 42) as u128) << 64 | 42;
        assert_eq!(exact(&good, key), [19 * 100 + 42]);
        assert!(good.verify().is_ok() && good.damage().is_none());
        // Only the first block is checked at open.
        assert!(good.data_end > 10 * BLOCK);
        let fresh = Segment::open(&path, len, checksum).unwrap();
        assert_eq!(fresh.checked.iter().map(|w| w.load(Relaxed).count_ones()).sum::<u32>(), 1);

        // A flipped bit in band 7's entry 1000: the index opens, the read
        // of that block finds the damage, and so does verify.
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        bytes[good.bands_at + (7 * good.items + 1000) * BAND_BYTES + 5] ^= 4;
        std::fs::write(&path, &bytes).unwrap();
        let bad = Segment::open(&path, len, checksum).unwrap();
        assert!(bad.damage().is_none());
        assert_eq!(bad.band_entry(7, 1000), (0, 0), "damaged blocks read as zeros");
        let damage = bad.damage().expect("damage found");
        assert!(damage.contains("s.dseg: corrupt segment: checksum"), "{damage}");
        let again = Segment::open(&path, len, checksum).unwrap();
        assert!(again.verify().unwrap_err().contains("corrupt segment"));

        // In the header, the first block or the block table: refused at open.
        for at in [20, 700, len as usize - FOOTER - 3] {
            let mut broken = original.clone();
            broken[at] ^= 1;
            std::fs::write(&path, &broken).unwrap();
            let err = Segment::open(&path, len, checksum).err().unwrap().unwrap();
            assert!(err.contains("corrupt segment") || err.contains("damaged segment"), "{at}: {err}");
        }
    }

    #[test]
    fn format_1_segments_are_read_and_checked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        let (len, checksum) = write(&path, 3);
        let v2 = Segment::open(&path, len, checksum).unwrap();
        let data_end = v2.data_end;
        drop(v2);
        let mut v1 = std::fs::read(&path).unwrap()[..data_end].to_vec();
        v1[8..12].copy_from_slice(&1u32.to_le_bytes());
        v1[48..52].copy_from_slice(&[0; 4]);
        let whole = xxhash_rust::xxh3::xxh3_64(&v1);
        v1.extend_from_slice(&whole.to_le_bytes());
        v1.extend_from_slice(END);
        std::fs::write(&path, &v1).unwrap();
        let s = Segment::open(&path, v1.len() as u64, whole).unwrap();
        assert_eq!(s.file(2).path, "file-2.txt");
        assert_eq!(exact(&s, (mix(2 * 1000 + 5) as u128) << 64 | 5), [205]);
        assert!(s.verify().is_ok());
        v1[data_end - 1] ^= 1;
        std::fs::write(&path, &v1).unwrap();
        let err = Segment::open(&path, v1.len() as u64, whole).err().unwrap().unwrap();
        assert!(err.contains("corrupt segment: checksum"), "{err}");
    }

    #[test]
    fn lower_bound_agrees_with_partition_point() {
        let mut keys: Vec<u128> = (0..5000u64).map(|i| (crate::minhash::mix(i) as u128) << 64).collect();
        keys.extend([keys[7]; 5]);
        keys.sort_unstable();
        let key_at = |i: usize| keys[i];
        for probe in keys.iter().copied().chain([0, u128::MAX, keys[100] + 1, keys[4000] - 1]) {
            let want = keys.partition_point(|&k| k < probe);
            assert_eq!(lower_bound(0, keys.len(), &key_at, probe), want, "{probe}");
            for from in [0, want / 2, want.saturating_sub(1), want] {
                assert_eq!(lower_bound(from, keys.len(), &key_at, probe), want, "{probe} from {from}");
            }
        }
        assert_eq!(lower_bound(0, 0, &key_at, 5), 0);
    }
}
