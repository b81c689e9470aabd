/**
 * TLS with X.509 credentials in the directory layout of QEMU 7.2's {@code tls-creds-x509} object
 * ({@code crypto/tlscredsx509.c}: {@code ca-cert.pem}, {@code server-cert.pem}/{@code server-key.pem},
 * {@code client-cert.pem}/{@code client-key.pem}), on the JDK's TLS provider.
 */
package qmig.tools.tls;
