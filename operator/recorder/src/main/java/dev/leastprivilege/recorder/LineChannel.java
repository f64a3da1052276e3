package dev.leastprivilege.recorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Reads lines from a kernel file that blocks until it has more (/dev/kmsg, trace_pipe) or from a
 * regular file that grows (an audit log; at its end it waits a moment and reads again). Closing it
 * from another thread ends a blocked read: a FileChannel's close signals the thread blocked in it.
 */
final class LineChannel implements AutoCloseable {
  /** /dev/kmsg returns one record per read, and refuses a buffer smaller than the record. */
  private static final int BUFFER = 64 * 1024;

  static final long IDLE_MILLIS = 100;

  /** What to do when a read fails; returns false to stop reading. */
  interface Failure {
    boolean handle(IOException e) throws IOException;
  }

  private final FileChannel channel;
  private volatile boolean closed;

  LineChannel(Path path) throws IOException {
    this.channel = FileChannel.open(path, StandardOpenOption.READ);
  }

  FileChannel channel() {
    return channel;
  }

  /** Reads until closed, handing each complete line (without its newline) to {@code lines}. */
  void readLines(Consumer<String> lines, Failure failure) throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
    byte[] bytes = new byte[BUFFER];
    StringBuilder partial = new StringBuilder();
    while (!closed) {
      int n;
      try {
        buf.clear();
        n = channel.read(buf);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed || !failure.handle(e)) {
          return;
        }
        continue;
      }
      if (n < 0) {
        idle();
        continue;
      }
      buf.flip();
      buf.get(bytes, 0, n);
      // Latin-1 keeps every byte as one char; what the kernel escapes stays escaped.
      partial.append(new String(bytes, 0, n, StandardCharsets.ISO_8859_1));
      int start = 0;
      for (int i = 0; i < partial.length(); i++) {
        if (partial.charAt(i) == '\n') {
          lines.accept(partial.substring(start, i));
          start = i + 1;
        }
      }
      partial.delete(0, start);
    }
  }

  private void idle() {
    try {
      Thread.sleep(IDLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    channel.close();
  }
}
