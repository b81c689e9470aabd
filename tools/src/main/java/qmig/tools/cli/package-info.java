/**
 * The {@code qmig} command line: {@code inspect} lists a stream's records, {@code dump} decodes
 * every section. Inputs may be raw, xz, zstd or gzip compressed; the kind is detected from
 * the content.
 */
package qmig.tools.cli;
