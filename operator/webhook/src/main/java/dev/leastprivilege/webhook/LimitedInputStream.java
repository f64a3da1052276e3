package dev.leastprivilege.webhook;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Stops reading a request body past a limit, so an oversized one costs a 400, not the heap. */
final class LimitedInputStream extends FilterInputStream {
  private long left;

  static final class TooLarge extends IOException {
    TooLarge(long limit) {
      super("body: larger than " + limit + " bytes");
    }
  }

  private final long limit;

  LimitedInputStream(InputStream in, long limit) {
    super(in);
    this.limit = limit;
    this.left = limit;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    count(b < 0 ? 0 : 1);
    return b;
  }

  @Override
  public int read(byte[] buf, int off, int len) throws IOException {
    int n = super.read(buf, off, (int) Math.min(len, left + 1));
    count(Math.max(n, 0));
    return n;
  }

  private void count(int n) throws TooLarge {
    left -= n;
    if (left < 0) {
      throw new TooLarge(limit);
    }
  }
}
