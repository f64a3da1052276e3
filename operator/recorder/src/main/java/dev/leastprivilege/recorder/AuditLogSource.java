package dev.leastprivilege.recorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the audit daemon's log file (audit.log), where seccomp records go while an audit daemon
 * runs. It starts at the file's end, and survives rotation: when the path names another file (the
 * daemon renamed the old one and opened a new one) or the file got shorter (truncated), it reads
 * what is left of the old file and goes on at the start of the new one.
 */
final class AuditLogSource implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLogSource.class);
  static final long POLL_MILLIS = 200;

  private final Path file;
  private final RecordSink sink;
  private volatile boolean closed;
  private volatile boolean running = true;

  /**
   * Completes once the source reads: the first file is open at its end (or it is known not to exist
   * yet). A line written before then may be missed; one written after, never.
   */
  private final CompletableFuture<Void> opened = new CompletableFuture<>();

  AuditLogSource(Path file, RecordSink sink) {
    this.file = file;
    this.sink = sink;
  }

  @Override
  public void run() {
    try {
      follow();
    } catch (IOException e) {
      LOG.error("stopped reading {}: {}", file, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running = false;
    }
  }

  private void follow() throws IOException, InterruptedException {
    FileChannel channel = null;
    Object key = null;
    StringBuilder partial = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    boolean atStart = true;
    try {
      while (!closed) {
        if (channel == null) {
          try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            key = Files.readAttributes(file, "unix:ino").get("ino");
            // The first file is read from its end; a file that replaces it, from its start.
            channel.position(atStart ? channel.size() : 0);
            atStart = false;
            partial.setLength(0);
            opened.complete(null);
          } catch (NoSuchFileException e) {
            atStart = false; // a file that appears later is new: all of it is ours
            opened.complete(null);
            Thread.sleep(POLL_MILLIS);
            continue;
          }
        }
        buf.clear();
        int n = channel.read(buf);
        if (n > 0) {
          partial.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
          int start = 0;
          for (int i = 0; i < partial.length(); i++) {
            if (partial.charAt(i) == '\n') {
              sink.seccompLine(partial.substring(start, i));
              start = i + 1;
            }
          }
          partial.delete(0, start);
          continue;
        }
        if (rotated(channel, key)) {
          channel.close();
          channel = null;
          continue;
        }
        Thread.sleep(POLL_MILLIS);
      }
    } finally {
      if (channel != null) {
        channel.close();
      }
    }
  }

  /** At the end of the open file: has the path been given to another file, or was it truncated? */
  private boolean rotated(FileChannel channel, Object key) throws IOException {
    try {
      Object now = Files.readAttributes(file, "unix:ino").get("ino");
      return !Objects.equals(now, key) || Files.size(file) < channel.position();
    } catch (NoSuchFileException e) {
      return false; // renamed away, the new one not created yet: keep the old until it is
    }
  }

  /** See {@link #opened}. */
  CompletableFuture<Void> opened() {
    return opened;
  }

  boolean isRunning() {
    return running;
  }

  @Override
  public void close() {
    closed = true;
  }
}
