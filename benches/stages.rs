//! Per-stage throughput on the shipped seed page repeated to ~1 MB, with
//! `Throughput::Bytes` so criterion prints MB/s. Each bench checks its result
//! so a fast wrong answer fails instead of looking good.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use doublet::blocks;
use doublet::lsh::{self, Banding};
use doublet::minhash::OnePermutation;
use doublet::normalize::normalize;
use doublet::passages;
use doublet::scan::{scan_texts, Params};
use doublet::segment::{paragraphs, Mode};
use doublet::shingle::Shingler;
use doublet::verify::jaccard;

const SEED_PAGE: &str = include_str!("../corpus/newspaper-page.txt");

fn corpus() -> String {
    // Distinct copies (a counter per copy) so that matching has real work.
    (0..60).map(|i| format!("{i}\n\n{SEED_PAGE}\n\n")).collect()
}

/// Normalized English-like paragraphs (lower case, single spaces), 200 to
/// 1000 bytes, of words drawn with a skew toward the common ones.
fn latin_paragraphs(count: usize) -> Vec<String> {
    const WORDS: &[&str] = &[
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "it",
        "as",
        "was",
        "with",
        "be",
        "by",
        "on",
        "not",
        "he",
        "this",
        "are",
        "or",
        "his",
        "from",
        "at",
        "which",
        "but",
        "have",
        "an",
        "had",
        "they",
        "you",
        "were",
        "their",
        "one",
        "all",
        "we",
        "can",
        "her",
        "has",
        "there",
        "been",
        "if",
        "more",
        "when",
        "will",
        "would",
        "who",
        "so",
        "no",
        "committee",
        "budget",
        "review",
        "meeting",
        "council",
        "report",
        "members",
        "public",
        "library",
        "archive",
        "newspaper",
        "edition",
        "printed",
        "section",
        "notice",
        "examination",
        "students",
        "candidates",
        "results",
        "province",
        "railway",
        "harbour",
        "weather",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = 200 + (next() % 800) as usize;
            let mut p = String::with_capacity(len + 16);
            while p.len() < len {
                // min of two draws: common words come up more often.
                let i = (next() % WORDS.len() as u64).min(next() % WORDS.len() as u64) as usize;
                if !p.is_empty() {
                    p.push(' ');
                }
                p.push_str(WORDS[i]);
            }
            p
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let text = corpus();
    let bytes = text.len() as u64;
    let spans = paragraphs(text.as_bytes(), Mode::Blocks);
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(bytes));

    g.bench_function("segment", |b| {
        b.iter(|| assert!(paragraphs(black_box(text.as_bytes()), Mode::Blocks).len() > 3000))
    });

    let mut norm = String::new();
    g.bench_function("normalize", |b| {
        b.iter(|| {
            let mut n = 0;
            for s in &spans {
                normalize(&text.as_bytes()[s.start..s.end], &mut norm, None);
                n += norm.len();
            }
            assert!(n > bytes as usize / 2);
        })
    });

    // What the scan shingles: paragraphs of at least 20 normalized characters
    // (the default --min-chars).
    let normalized: Vec<String> = spans
        .iter()
        .map(|s| {
            normalize(&text.as_bytes()[s.start..s.end], &mut norm, None);
            norm.clone()
        })
        .filter(|n| n.chars().count() >= 20)
        .collect();
    let mut shingler = Shingler::default();
    let mut hashes = Vec::new();
    g.bench_function("shingle", |b| {
        b.iter(|| {
            hashes.clear();
            for n in &normalized {
                shingler.hashes(n, 5, 0, &mut hashes);
            }
            assert!(!hashes.is_empty());
        })
    });

    let sets: Vec<Vec<u64>> = normalized.iter().map(|n| shingler.set(n, 5, 0)).collect();
    let oph = OnePermutation::new(128, 0);
    let mut out = vec![0u32; 128];
    g.bench_function("sketch", |b| {
        b.iter(|| {
            let mut ok = 0;
            for s in &sets {
                ok += usize::from(oph.sketch_into(s.iter().copied(), &mut out));
            }
            assert_eq!(ok, sets.len());
        })
    });

    // The sketch kernel: normalized text to shingle hashes to a MinHash-128
    // sketch, no set built; throughput in bytes of normalized text. On the
    // Chinese page, and on Latin text (one shingle per byte instead of one
    // per three).
    let latin = latin_paragraphs(2000);
    for (name, texts) in [("sketch_kernel", &normalized), ("sketch_kernel_latin", &latin)] {
        g.throughput(Throughput::Bytes(texts.iter().map(|n| n.len() as u64).sum()));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut ok = 0;
                for n in texts {
                    hashes.clear();
                    shingler.hashes(n, 5, 0, &mut hashes);
                    ok += usize::from(oph.sketch_into(hashes.iter().copied(), &mut out));
                }
                assert_eq!(ok, texts.len());
            })
        });
    }

    // Passage anchors (winnowing) of texts given as their shingle hashes,
    // and the candidate pairs of the passage search; bytes of normalized
    // text. Latin paragraphs quote one another in part, so pairs are found.
    let quoting: Vec<String> = latin
        .iter()
        .enumerate()
        .map(|(i, t)| if i % 4 == 1 { format!("{} {}", &latin[i - 1][..latin[i - 1].len() / 2], t) } else { t.clone() })
        .collect();
    for (name, texts) in [("anchors", &normalized), ("anchors_latin", &quoting)] {
        let ordered: Vec<Vec<u64>> = texts
            .iter()
            .map(|n| {
                let mut h = Vec::new();
                shingler.hashes(n, 5, 0, &mut h);
                h
            })
            .collect();
        g.throughput(Throughput::Bytes(texts.iter().map(|n| n.len() as u64).sum()));
        let (mut keys, mut out) = (Vec::new(), Vec::new());
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for h in &ordered {
                    passages::anchors(h, &mut keys, &mut out);
                }
                assert!(out.len() > ordered.iter().map(Vec::len).sum::<usize>() / (passages::WINDOW + 1));
            })
        });
    }
    let anchored: Vec<Vec<u64>> = quoting
        .iter()
        .map(|n| {
            let (mut h, mut out) = (Vec::new(), Vec::new());
            shingler.hashes(n, 5, 0, &mut h);
            passages::anchors(&h, &mut Vec::new(), &mut out);
            out
        })
        .collect();
    let refs: Vec<&[u64]> = anchored.iter().map(Vec::as_slice).collect();
    g.bench_function("passage_candidates_latin", |b| {
        b.iter(|| assert!(passages::candidate_pairs(black_box(&refs)).len() >= quoting.len() / 8))
    });
    g.throughput(Throughput::Bytes(bytes));

    let sketches: Vec<u32> = sets.iter().flat_map(|s| oph.sketch(s.iter().copied()).unwrap_or(vec![0; 128])).collect();
    let banding = Banding::for_threshold(128, 0.5, lsh::TARGET_RECALL);
    g.bench_function("lsh", |b| {
        b.iter(|| assert!(!lsh::candidate_pairs(black_box(&sketches), 128, banding).is_empty()))
    });

    let pairs = lsh::candidate_pairs(&sketches, 128, banding);
    g.bench_function("verify", |b| {
        b.iter(|| {
            let hits = pairs.iter().filter(|&&(x, y)| jaccard(&sets[x as usize], &sets[y as usize]) >= 0.5).count();
            assert!(hits > 0);
        })
    });

    let labels: Vec<Vec<Option<u32>>> =
        (0..60).map(|_| (0..59u32).map(|i| (i % 3 != 0).then_some(i)).collect()).collect();
    g.bench_function("blocks", |b| b.iter(|| assert!(!blocks::repeats(black_box(&labels)).is_empty())));

    g.bench_function("scan_end_to_end", |b| {
        b.iter(|| assert!(!scan_texts(&[("corpus.txt", &text)], &Params::default()).findings.is_empty()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
