/**
 * walship's settings and the grammar users write them in: the configuration file ({@link
 * io.walship.config.WalshipConfig}, read in Litestream's format), durations, sizes, and where a replica lives
 * ({@link io.walship.config.ReplicaLocation}).
 *
 * <p><b>Why replica locations live here.</b> A location is written by users in two places, on the command line
 * ({@code replicate}, {@code restore}, {@code ls}) and in the configuration file ({@code url:}, or {@code type: s3}
 * with {@code bucket:}, {@code path:}, {@code endpoint:} ...), and both must mean the same thing: one grammar, one size
 * and one boolean parser, one set of bounds. The configuration file's reader has to check every value against its line
 * and key, so the grammar sits where that reader is, next to {@link io.walship.config.ByteSize},
 * {@link io.walship.config.Durations} and the boolean rules it shares. This module is the bottom of the dependency
 * graph (it needs only the YAML parser and does no I/O besides reading the file), so the storage module
 * ({@code io.walship.replica}) depends on it and opens a {@link io.walship.config.ReplicaLocation} it is given; the
 * other way round, the configuration would have pulled the AWS SDK onto its path to parse a string. Dependencies stay
 * one-way: {@code config} &lt;- {@code replica} &lt;- {@code replicator}, {@code restore} &lt;- {@code cli}.
 *
 * <p><b>Secrets.</b> Credentials are {@link io.walship.config.Secret}s from the moment they are read: they print as
 * {@code ****}, travel inside typed locations and never inside strings, and are revealed only to the S3 client.
 * Text a user wrote that could not be parsed is shown through {@link io.walship.config.ReplicaLocation#redact}, the one
 * masking rule for raw input.
 *
 * <p><b>Litestream keys.</b> {@code UnsupportedKeys} decides, for each Litestream key walship does not
 * take as is, whether loading fails (the key would change what is replicated or how it is protected) or goes on with a
 * {@link io.walship.config.ConfigWarning} (the key changes no data). docs/CONFIG.md has the table.
 */
package io.walship.config;
