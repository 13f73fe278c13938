//! doublet finds duplicate and near-duplicate passages in text and says
//! exactly where every copy is.
//!
//! The pipeline runs in one direction, one module per stage, each testable
//! alone:
//!
//! ```text
//! source → segment → normalize → shingle → minhash/simhash → lsh → verify → blocks → report
//! ```
//!
//! Paragraphs (byte spans from [`segment`]) are normalized ([`normalize`]:
//! NFKC, case, punctuation and whitespace removed), cut into character
//! n-gram shingles ([`shingle`]), grouped exactly by a 128-bit hash, sketched
//! with one-permutation MinHash ([`minhash`]) or SimHash ([`simhash`]), paired
//! by LSH banding ([`lsh`]), verified by exact Jaccard ([`verify`]), and the
//! matched paragraphs are merged into maximal repeated blocks ([`blocks`]).
//! [`scan`] runs it all and [`report`] writes the result. What of a file
//! takes part at all is decided first by [`layout`]: the prose of Markdown
//! files ([`markdown`]), inline ignore markers ([`markers`]) and the
//! `--ignore-pattern`s ([`boilerplate`]).
//!
//! ```
//! use doublet::scan::{scan_texts, Kind, Params};
//!
//! let notice = "Candidates must bring their admission ticket and identity card.\n\n\
//!               Candidates must sit the exam honestly and follow the rules.";
//! let page = format!("A headline\n\n{notice}\n\n{notice}\n\nAnother story entirely.");
//! let result = scan_texts(&[("page.txt", &page)], &Params::default());
//! assert_eq!(result.findings.len(), 1);
//! let block = &result.findings[0];
//! assert_eq!((block.kind, block.paragraphs, block.occurrences.len()), (Kind::Exact, 2, 2));
//! assert_eq!(block.occurrences[0].line_start, 3);
//! ```

pub mod atomic;
pub mod baseline;
pub mod blocks;
pub mod boilerplate;
pub mod breaks;
pub mod cluster;
pub mod gate;
pub mod index;
pub mod input;
pub mod layout;
pub mod location;
pub mod lsh;
pub mod markdown;
pub mod markers;
pub mod minhash;
pub mod normalize;
pub mod ocr;
pub mod passages;
pub mod prefetch;
pub mod report;
pub mod rss;
pub mod scan;
pub mod segment;
pub mod shingle;
pub mod simhash;
pub mod source;
pub mod spark;
pub mod verify;
