package dev.leastprivilege.recorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the kernel log device, /dev/kmsg, where the kernel writes seccomp records when no audit
 * daemon takes them. Each record is {@code prio,seq,usec,flags;message}, then continuation lines
 * that start with a space. It starts at the end of the buffer: records stamped before the recorder
 * started are skipped, since their processes may be gone and their PIDs reused.
 *
 * <p>Loss: the kernel overwrites the oldest records when the buffer is full; a read then fails with
 * EPIPE and the next record's sequence number jumps. Every skipped number counts as lost.
 */
final class KmsgSource implements Runnable, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KmsgSource.class);

  private final Path kmsg;
  private final long startMicros;
  private final RecordSink sink;
  private final LineChannel channel;
  private long lastSeq = -1;
  private volatile boolean running = true;

  /**
   * @param kmsg the device (a regular file in tests: it is then read as it grows)
   * @param startMicros records stamped earlier (microseconds since boot) are skipped
   */
  KmsgSource(Path kmsg, long startMicros, RecordSink sink) throws IOException {
    this.kmsg = kmsg;
    this.startMicros = startMicros;
    this.sink = sink;
    this.channel = new LineChannel(kmsg);
  }

  /** Microseconds since boot now, from {@code <proc>/uptime}, to start at the end of the log. */
  static long uptimeMicros(Path proc) throws IOException {
    String first = Files.readString(proc.resolve("uptime")).trim().split("\\s+")[0];
    return (long) (Double.parseDouble(first) * 1_000_000);
  }

  @Override
  public void run() {
    try {
      channel.readLines(this::line, this::failed);
    } catch (IOException e) {
      LOG.error("stopped reading {}: {}", kmsg, e.toString());
    } finally {
      running = false;
    }
  }

  private boolean failed(IOException e) throws IOException {
    if (String.valueOf(e.getMessage()).contains("Broken pipe")) {
      // EPIPE: records were overwritten before we read them; the sequence numbers count them.
      return true;
    }
    throw e;
  }

  void line(String line) {
    if (line.isEmpty() || line.charAt(0) == ' ') {
      return; // a continuation line (dictionary key=value pairs): not part of the message
    }
    int semi = line.indexOf(';');
    if (semi < 0) {
      return;
    }
    String[] header = line.substring(0, semi).split(",");
    if (header.length < 3) {
      return;
    }
    long seq;
    long usec;
    try {
      seq = Long.parseLong(header[1]);
      usec = Long.parseLong(header[2]);
    } catch (NumberFormatException e) {
      return;
    }
    if (lastSeq >= 0 && seq > lastSeq + 1) {
      sink.lost(seq - lastSeq - 1);
    }
    lastSeq = Math.max(lastSeq, seq);
    if (usec < startMicros) {
      return;
    }
    sink.seccompLine(line.substring(semi + 1));
  }

  boolean isRunning() {
    return running;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
