package qmig.stream.saved;

/**
 * LZO1X decompression (the format of lzop's methods 1–3), bounds-checked: a bad block gives
 * a {@link Lzo1x.BadBlock} with the input position, never an index error.
 *
 * <p>Instruction set (after {@code Documentation/staging/lzo.rst} of the Linux kernel); the
 * "state" is how many literals the previous instruction copied:
 * <pre>
 *   first byte 18..255   literal run of (b - 17) bytes (state = that count, 4 when 4 or more)
 *   0000LLLL  state 0    literal run, 3 + (L ?: 15 + 255*zero bytes + next byte)  -> state 4
 *   0000DDSS  state 1-3  match 2 bytes, distance (H &lt;&lt; 2) + D + 1, then byte H
 *   0000DDSS  state 4    match 3 bytes, distance (H &lt;&lt; 2) + D + 2049, then byte H
 *   0001HLLL             match 2 + (L ?: 7 + ...) bytes, distance 16384 + (H &lt;&lt; 14) + D,
 *                        then LE16 DDDDDDDD DDDDDDSS; distance 16384 is the end of the block
 *   001LLLLL             match 2 + (L ?: 31 + ...) bytes, distance D + 1, then LE16 as above
 *   01LDDDSS             match 3 + L bytes, distance (H &lt;&lt; 3) + D + 1, then byte H
 *   1LLDDDSS             match 5 + L bytes, distance (H &lt;&lt; 3) + D + 1, then byte H
 * </pre>
 * After a match, SS literals (0–3) follow and become the state.
 */
final class Lzo1x {

    private Lzo1x() {
    }

    /** A block that is not valid LZO1X; {@code position} is the input index where it went wrong. */
    static final class BadBlock extends Exception {
        private static final long serialVersionUID = 1L;
        final int position;

        BadBlock(int position, String what) {
            super(what);
            this.position = position;
        }
    }

    /** Decompresses {@code src[0, srcLen)} into exactly {@code dst.length} bytes. */
    static void decompress(byte[] src, int srcLen, byte[] dst) throws BadBlock {
        int ip = 0;
        int op = 0;
        int state = 0;
        if (srcLen < 3) {
            throw new BadBlock(0, "block of " + srcLen + " bytes is too short");
        }
        int first = src[0] & 0xff;
        if (first > 17) {
            int t = first - 17;
            ip = 1;
            op = literals(src, srcLen, ip, dst, op, t);
            ip += t;
            state = t < 4 ? t : 4;
        }
        while (true) {
            if (ip >= srcLen) {
                throw new BadBlock(ip, "block ends without its end marker");
            }
            int b = src[ip++] & 0xff;
            int len;
            int dist;
            int s;
            if (b < 16) {
                if (state == 0) {
                    int n = 3;
                    if ((b & 15) == 0) {
                        long[] r = longLength(src, srcLen, ip, 15);
                        n += (int) r[0];
                        ip = (int) r[1];
                    } else {
                        n += b;
                    }
                    op = literals(src, srcLen, ip, dst, op, n);
                    ip += n;
                    state = 4;
                    continue;
                }
                need(src, srcLen, ip, 1);
                int h = src[ip++] & 0xff;
                if (state < 4) {
                    len = 2;
                    dist = (h << 2) + ((b >> 2) & 3) + 1;
                } else {
                    len = 3;
                    dist = (h << 2) + ((b >> 2) & 3) + 2049;
                }
                s = b & 3;
            } else if (b < 32) {
                len = b & 7;
                if (len == 0) {
                    long[] r = longLength(src, srcLen, ip, 7);
                    len = (int) r[0];
                    ip = (int) r[1];
                }
                len += 2;
                need(src, srcLen, ip, 2);
                int d = (src[ip] & 0xff) | ((src[ip + 1] & 0xff) << 8);
                ip += 2;
                s = d & 3;
                dist = 16384 + ((b & 8) << 11) + (d >> 2);
                if (dist == 16384) {
                    if (op != dst.length) {
                        throw new BadBlock(ip, "block ends after " + op + " bytes (expected " + dst.length + ")");
                    }
                    if (ip != srcLen) {
                        throw new BadBlock(ip, (srcLen - ip) + " bytes after the end marker");
                    }
                    return;
                }
            } else if (b < 64) {
                len = b & 31;
                if (len == 0) {
                    long[] r = longLength(src, srcLen, ip, 31);
                    len = (int) r[0];
                    ip = (int) r[1];
                }
                len += 2;
                need(src, srcLen, ip, 2);
                int d = (src[ip] & 0xff) | ((src[ip + 1] & 0xff) << 8);
                ip += 2;
                s = d & 3;
                dist = (d >> 2) + 1;
            } else {
                need(src, srcLen, ip, 1);
                int h = src[ip++] & 0xff;
                len = b < 128 ? 3 + ((b >> 5) & 1) : 5 + ((b >> 5) & 3);
                dist = (h << 3) + ((b >> 2) & 7) + 1;
                s = b & 3;
            }
            if (dist > op) {
                throw new BadBlock(ip, "match distance " + dist + " reaches before the block start (at output " + op + ")");
            }
            if (len > dst.length - op) {
                throw new BadBlock(ip, "match of " + len + " bytes overruns the block's " + dst.length + " bytes");
            }
            for (int i = 0; i < len; i++) {
                dst[op + i] = dst[op - dist + i];
            }
            op += len;
            op = literals(src, srcLen, ip, dst, op, s);
            ip += s;
            state = s;
        }
    }

    /** {@code base} + 255 per zero byte + the first non-zero byte; returns {value, new ip}. */
    private static long[] longLength(byte[] src, int srcLen, int ip, int base) throws BadBlock {
        long n = base;
        while (true) {
            need(src, srcLen, ip, 1);
            int z = src[ip++] & 0xff;
            if (z != 0) {
                n += z;
                break;
            }
            n += 255;
            if (n > Integer.MAX_VALUE / 2) {
                throw new BadBlock(ip, "run length overflows");
            }
        }
        return new long[] {n, ip};
    }

    private static int literals(byte[] src, int srcLen, int ip, byte[] dst, int op, int n) throws BadBlock {
        need(src, srcLen, ip, n);
        if (n > dst.length - op) {
            throw new BadBlock(ip, "literal run of " + n + " bytes overruns the block's " + dst.length + " bytes");
        }
        System.arraycopy(src, ip, dst, op, n);
        return op + n;
    }

    private static void need(byte[] src, int srcLen, int ip, int n) throws BadBlock {
        if (n > srcLen - ip) {
            throw new BadBlock(srcLen, "block ends inside an instruction (" + n + " more bytes needed at " + ip + ")");
        }
    }
}
