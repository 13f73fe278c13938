//! Benchmark of the persistent index, not a timed test: add throughput, the
//! latency of checking a 1 MB batch against indexes of growing size, and the
//! size on disk per item.
//!
//! ```sh
//! cargo bench --bench index                                  # indexes of 10 k, 100 k, 1 M items
//! DOUBLET_BENCH_ITEMS=10000000 cargo bench --bench index     # one row of 10 M items
//! DOUBLET_BENCH_COMPACT=1 cargo bench --bench index          # and a row after compaction
//! DOUBLET_BENCH_NO_PASSAGES=1 cargo bench --bench index      # every add with --no-passages
//! DOUBLET_BENCH_DIR=/big/disk/ix cargo bench --bench index    # build there, keep it, and reuse it
//! cargo test --benches                                       # quick: one index of 5 k items
//! ```
//!
//! With `DOUBLET_BENCH_DIR` the index, its texts and the batch are kept in
//! that directory, and a later run with the same sizes measures the rows on
//! the index already there instead of building it again (the add rows are
//! then not printed).
//!
//! The text part is pseudo-English (words drawn from a skewed vocabulary),
//! added through `doublet::index::add` as a user's files would be; the batch
//! copies a quarter of its paragraphs from it. Indexes beyond the text are
//! filled with synthetic items (random exact keys, band keys, sketches and
//! passage anchors, one segment per million), which is how a 10 M-item index is built in
//! minutes: they cost lookups as real items do, but share no shingles with
//! the batch, so they bring no chance candidates that real prose would.

use std::path::Path;
use std::time::Instant;

use doublet::index::{self, Index, Stats, Store};
use doublet::minhash::mix;
use doublet::scan::{FileRecord, ItemRecord, Params, Silent};
use doublet::source::{Origin, Source};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("DOUBLET_BENCH_ITEMS") {
        Ok(v) => v.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        Err(_) if full => vec![10_000, 100_000, 1_000_000],
        Err(_) => vec![5_000],
    };
    let kept = std::env::var_os("DOUBLET_BENCH_DIR").map(std::path::PathBuf::from);
    let temporary;
    let root: &Path = match &kept {
        Some(dir) => dir,
        None => {
            temporary = tempfile::Builder::new().prefix("doublet-index-bench-").tempdir().expect("temporary directory");
            temporary.path()
        }
    };
    let reuse = kept.is_some() && root.join("ix").join("MANIFEST").exists();
    let params = Params::default();
    let store = Store { anchors: std::env::var_os("DOUBLET_BENCH_NO_PASSAGES").is_none() };
    let texts = root.join("texts");
    std::fs::create_dir_all(&texts).expect("texts directory");
    // The archive's text: 4 MB in 40 files.
    let mut state = 1u64;
    let paragraphs: Vec<String> = (0..8000).map(|_| paragraph(&mut state)).collect();
    let mut sources = Vec::new();
    let mut bytes = 0usize;
    for (i, chunk) in paragraphs.chunks(200).enumerate() {
        let path = texts.join(format!("{i:04}.txt"));
        let text = chunk.join("\n\n");
        bytes += text.len();
        std::fs::write(&path, text).expect("text file");
        sources.push(Source { name: path.display().to_string(), origin: Origin::File { path, fifo: false } });
    }
    let dir = root.join("ix");
    let mut items = if reuse {
        let stats = Stats::of(&Index::open(&dir).expect("open the kept index"));
        eprintln!("reusing the index in {} ({} items)", dir.display(), stats.items);
        stats.items
    } else {
        let t = Instant::now();
        let added = index::add(&dir, sources, &params, store).expect("add");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "add (text): {:.1} MB in {secs:.2} s: {:.1} MB/s, {:.0} items/s",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            added.items as f64 / secs
        );
        added.items
    };
    // The batch: 1 MB, a quarter copied from the archive.
    let mut batch = Vec::new();
    let mut len = 0;
    let mut i = 0u64;
    while len < 1_000_000 {
        let p = if i % 4 == 0 { paragraphs[(mix(i) % 8000) as usize].clone() } else { paragraph(&mut state) };
        len += p.len() + 2;
        batch.push(p);
        i += 1;
    }
    let batch_path = root.join("batch.txt");
    std::fs::write(&batch_path, batch.join("\n\n")).expect("batch file");

    println!();
    println!(
        "| index items | anchors | segments | bytes on disk | bytes per item | open (s) | check 1 MB (s) | of it, scan (s) | again (s) | findings |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &size in &sizes {
        let t = Instant::now();
        let mut synthetic = 0;
        while items < size {
            let n = (size - items).min(1_000_000);
            // Seeded by the items indexed before: every batch its own.
            let records = synthetic_records(items as u64, n, &params);
            index::add_records(&dir, records, &params, store).expect("add synthetic items");
            items += n;
            synthetic += n;
        }
        if synthetic > 0 {
            let secs = t.elapsed().as_secs_f64();
            eprintln!("add (synthetic): {synthetic} items in {secs:.1} s: {:.0} items/s", synthetic as f64 / secs);
        }
        row(&dir, &batch_path, &params);
    }
    if full && std::env::var_os("DOUBLET_BENCH_COMPACT").is_some() {
        let t = Instant::now();
        index::compact(&dir).expect("compact");
        eprintln!("compact: {:.1} s", t.elapsed().as_secs_f64());
        row(&dir, &batch_path, &params);
    }
}

/// Opens the index, checks the batch against it twice (the first check
/// reads and checks the blocks it touches, the second finds them checked and
/// in memory), prints a table row; "of it, scan" is the part of the first
/// check spent scanning the batch with the indexed files that hold
/// candidates (the summary's stage timings).
fn row(dir: &Path, batch: &Path, params: &Params) {
    let t = Instant::now();
    let index = Index::open(dir).expect("open");
    let open = t.elapsed().as_secs_f64();
    let source =
        || Source { name: batch.display().to_string(), origin: Origin::File { path: batch.into(), fifo: false } };
    let t = Instant::now();
    let result = index::check(&index, vec![source()], Vec::new(), params, &Silent).expect("check");
    let check = t.elapsed().as_secs_f64();
    let scan: f64 = result.summary.timings.iter().map(|(_, s)| s).sum();
    let t = Instant::now();
    let again = index::check(&index, vec![source()], Vec::new(), params, &Silent).expect("check");
    let second = t.elapsed().as_secs_f64();
    assert_eq!(again.findings.len(), result.findings.len());
    let stats = Stats::of(&index);
    println!(
        "| {} | {} | {} | {:.1} MB | {:.0} | {open:.3} | {check:.3} | {scan:.3} | {second:.3} | {} |",
        stats.items,
        if stats.anchors > 0 { "yes" } else { "no" },
        stats.segments,
        stats.bytes as f64 / 1e6,
        stats.bytes as f64 / stats.items.max(1) as f64,
        result.findings.len()
    );
}

/// A pseudo-English paragraph of 40–160 words.
fn paragraph(state: &mut u64) -> String {
    let mut next = || {
        *state = mix(*state);
        *state
    };
    let words = 40 + next() % 120;
    let mut out = String::new();
    for w in 0..words {
        // Squared: common words are drawn far more often than rare ones.
        let r = (next() % 1000) as f64 / 1000.0;
        let word = (r * r * 5000.0) as u64;
        if w > 0 {
            out.push(' ');
        }
        let mut x = mix(word ^ 0x5eed);
        for _ in 0..(2 + word % 7) {
            out.push((b'a' + (x % 26) as u8) as char);
            x /= 26;
        }
    }
    out.push('.');
    out
}

/// Passage anchors of a synthetic item of 500 characters.
const ANCHORS_PER_ITEM: usize = 2 * 496 / (doublet::passages::WINDOW + 1);

/// `n` synthetic items in files of 1000, named `synthetic/BATCH/FILE`.
fn synthetic_records(batch: u64, n: usize, params: &Params) -> Vec<FileRecord> {
    let bands = params.banding().bands;
    let k = params.num_perm;
    (0..n.div_ceil(1000))
        .map(|f| {
            let count = (n - f * 1000).min(1000);
            let seed = mix(batch << 32 | f as u64);
            let r = |i: u64| mix(seed ^ i);
            FileRecord {
                name: format!("synthetic/{batch}/{f}"),
                bytes: 500 * count as u64,
                digest: seed,
                paragraphs: count as u32,
                items: (0..count as u32)
                    .map(|i| ItemRecord {
                        key: (r(i as u64) as u128) << 64 | r(!(i as u64)) as u128,
                        para_first: i,
                        para_last: i,
                        byte_start: 500 * i as u64,
                        byte_end: 500 * i as u64 + 498,
                        line_start: 2 * i + 1,
                        col_start: 1,
                        line_end: 2 * i + 1,
                        col_end: 498,
                        page: 0,
                        content: r(i as u64 + 7),
                        inside: None,
                    })
                    .collect(),
                band_keys: (0..(count * bands) as u64).map(|i| r(i << 20) as u32).collect(),
                sketches: (0..(count * k) as u64).map(|i| r(i << 24) as u8).collect(),
                snippets: vec![String::new(); count],
                // As many passage anchors as a paragraph of 500 characters
                // has (2 / (WINDOW + 1) of its shingles), each of its own.
                anchors: (0..(count * ANCHORS_PER_ITEM) as u64).map(|i| r(i << 28)).collect(),
                anchor_ends: (1..=count).map(|i| i * ANCHORS_PER_ITEM).collect(),
            }
        })
        .collect()
}
