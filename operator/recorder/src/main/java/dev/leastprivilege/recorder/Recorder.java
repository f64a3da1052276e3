package dev.leastprivilege.recorder;

import dev.leastprivilege.api.v1alpha1.NodeRecordingStatus;
import dev.leastprivilege.core.caps.Capability;
import dev.leastprivilege.core.record.CapabilityCheck;
import dev.leastprivilege.core.record.CapabilityTraceParser;
import dev.leastprivilege.core.record.EnteringTasks;
import dev.leastprivilege.core.record.FallbackSyscalls;
import dev.leastprivilege.core.record.ForkEvents;
import dev.leastprivilege.core.record.LossSignals;
import dev.leastprivilege.core.record.NodeActivity;
import dev.leastprivilege.core.record.RefusedChecks;
import dev.leastprivilege.core.record.RuntimeNoise;
import dev.leastprivilege.core.record.SeccompRecord;
import dev.leastprivilege.core.record.SeccompRecordParser;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node recorder: reads seccomp records and capability checks, names each one's pod and
 * container, and keeps what counts ({@link NodeActivity}); {@link NodeRecordingWriter} reports it.
 *
 * <p>Threads: one per source, which only reads lines and queues them; one worker, which parses,
 * looks up processes and pods, and feeds the activity (so the parsers, the process cache and the
 * activity are only touched by it); the writer, which takes a snapshot under the activity's lock.
 * The worker reads {@code /proc} as soon as a line arrives, since short-lived processes go fast.
 */
public final class Recorder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);

  /** The queue between the sources and the worker; beyond it, lines are dropped and counted. */
  static final int QUEUE_LIMIT = 100_000;

  /** Records of containers no pod shows yet, kept for {@link RecorderConfig#containerGrace}. */
  static final int PENDING_LIMIT = 10_000;

  /** How long the trace may be quiet before the last event's stack is taken as complete. */
  static final long TRACE_IDLE_MILLIS = 200;

  /**
   * How long a refused check in a fallback call waits for the call's end before it counts as a
   * need. The end follows within microseconds (the check is made inside the call), so only a lost
   * end (a full trace buffer) reaches it; a second keeps the worker's reads of /proc close to the
   * check, while the process is still there.
   */
  static final long REFUSED_END_BOUND_MILLIS = 1000;

  /** Held records are tried again this often, however busy the sources are. */
  static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private sealed interface Event {}

  private record SeccompLine(String line) implements Event {}

  private record TraceLine(String line) implements Event {}

  private record Lost(long records) implements Event {}

  private record PodsChanged() implements Event {}

  /**
   * A record that cannot be counted yet: its container no pod on this node shows yet ({@code
   * containerId} set), or its process was gone and its fork not read yet ({@code containerId}
   * null).
   */
  private record Pending(
      long pid,
      Optional<Instant> recordTime,
      String containerId,
      String syscall,
      Capability capability,
      Instant at,
      long deadline) {}

  /** How long a record of a gone process waits for its fork to be read. */
  static final long GONE_GRACE_MILLIS = 2000;

  private final RecorderConfig config;
  private final Clock clock;
  private final NodeActivity activity = new NodeActivity();
  private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>(QUEUE_LIMIT);
  private final Deque<Pending> pending = new ArrayDeque<>();
  private final NodePods pods;
  private final NodeRecordingWriter writer;
  private final CapabilityTraceParser traceParser = new CapabilityTraceParser();
  private final List<Thread> threads = new ArrayList<>();
  private final Set<String> livePods = new HashSet<>();
  private final EnteringTasks entering = new EnteringTasks();
  private RefusedChecks refused = new RefusedChecks(RefusedChecks.Ends.NONE);
  private ProcessResolver processes;
  private KmsgSource kmsg;
  private AuditLogSource auditLog;
  private TraceSource trace;
  private volatile boolean running;
  private volatile boolean ready;
  private long lastLossTotal = -1;

  public Recorder(KubernetesClient client, RecorderConfig config) {
    this(client, config, Clock.systemUTC());
  }

  Recorder(KubernetesClient client, RecorderConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.pods = new NodePods(client, config.nodeName(), () -> offer(new PodsChanged()));
    this.writer = new NodeRecordingWriter(client, config, this::snapshot);
  }

  /** Opens the sources, watches this node's pods, and starts reporting. */
  public void start() throws Exception {
    processes = new ProcessResolver(config.proc());
    RecordSink sink =
        new RecordSink() {
          @Override
          public void seccompLine(String line) {
            offer(new SeccompLine(line));
          }

          @Override
          public void traceLine(String line) {
            offer(new TraceLine(line));
          }

          @Override
          public void lost(long records) {
            offer(new Lost(records));
          }
        };
    String seccompSource = openSeccomp(sink);
    String capabilitySource;
    TraceSource.Opened opened = TraceSource.open(config.tracefs(), config.traceInstance(), sink);
    if (opened instanceof TraceSource.Started started) {
      trace = started.source();
      refused = new RefusedChecks(started.ends());
      capabilitySource =
          started.capabilitiesUnavailable().map(why -> "Unavailable: " + why).orElse("tracefs");
      spawn("lpo-recorder-trace", trace);
    } else {
      capabilitySource = "Unavailable: " + ((TraceSource.Unavailable) opened).reason();
      LOG.warn("capabilities are not recorded on this node: {}", capabilitySource);
    }
    synchronized (activity) {
      activity.sources(seccompSource, capabilitySource);
    }
    running = true;
    spawn("lpo-recorder-worker", this::work);
    pods.start();
    offer(new PodsChanged());
    writer.start();
    ready = true;
    LOG.info(
        "recorder ready on node {}: seccomp from {}, capabilities from {}",
        config.nodeName(),
        seccompSource,
        capabilitySource);
  }

  private String openSeccomp(RecordSink sink) {
    try {
      switch (config.seccompSource()) {
        case KMSG -> {
          kmsg = new KmsgSource(config.kmsg(), KmsgSource.uptimeMicros(config.proc()), sink);
          spawn("lpo-recorder-kmsg", kmsg);
        }
        case AUDIT_LOG -> {
          auditLog = new AuditLogSource(config.auditLog(), sink);
          spawn("lpo-recorder-audit-log", auditLog);
          // The kernel still writes its loss lines (and, while the audit daemon is down, the
          // records themselves) to the kernel log: read it too where the recorder may.
          try {
            kmsg = new KmsgSource(config.kmsg(), KmsgSource.uptimeMicros(config.proc()), sink);
            spawn("lpo-recorder-kmsg", kmsg);
          } catch (IOException e) {
            LOG.warn(
                "cannot read {} ({}): losses the kernel reports there are not counted",
                config.kmsg(),
                e.getMessage());
          }
        }
      }
      return config.seccompSource().statusName();
    } catch (IOException e) {
      String path =
          config.seccompSource() == RecorderConfig.SeccompSource.KMSG
              ? config.kmsg().toString()
              : config.auditLog().toString();
      String why =
          "Unavailable: cannot read "
              + path
              + " ("
              + e.getMessage()
              + "): give the recorder the node's "
              + path
              + " (hostPath) and the privilege to read it";
      LOG.warn("seccomp records are not read on this node: {}", why);
      return why;
    }
  }

  private void spawn(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void offer(Event e) {
    if (!queue.offer(e)) {
      // The worker is behind: a record or a trace line is lost (a pod change is not: the next
      // one rebuilds everything).
      if (!(e instanceof PodsChanged)) {
        synchronized (activity) {
          activity.lost(1);
        }
      }
    }
  }

  private void work() {
    long lastRetry = System.nanoTime();
    while (running) {
      Event e;
      try {
        e = queue.poll(TRACE_IDLE_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        return;
      }
      try {
        if (e == null) {
          // The trace has been quiet: the last event's stack, if any, is complete.
          traceParser.flush().forEach(this::capability);
        } else {
          handle(e);
        }
        if (e == null || System.nanoTime() - lastRetry > RETRY_NANOS) {
          refused.expire(millis() - REFUSED_END_BOUND_MILLIS).forEach(this::need);
          retryPending();
          lastRetry = System.nanoTime();
        }
      } catch (RuntimeException ex) {
        LOG.warn("could not handle {}: {}", e, ex.toString(), ex);
      }
    }
    try {
      // Stopping: checks still waiting for their stack or their call's end count as they are.
      traceParser.flush().forEach(this::capability);
      refused.flush().forEach(this::need);
    } catch (RuntimeException ex) {
      LOG.warn("could not count the last capability checks: {}", ex.toString(), ex);
    }
  }

  private static long millis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  private void handle(Event e) {
    if (e instanceof SeccompLine s) {
      seccomp(s.line());
    } else if (e instanceof TraceLine t) {
      OptionalLong lost = TraceSource.lostEvents(t.line());
      if (lost.isPresent()) {
        synchronized (activity) {
          activity.lost(lost.getAsLong());
        }
      } else {
        // The checks this line completes first: an exec line ends the stack of a check runc's
        // init made before it.
        traceParser.feed(t.line()).forEach(this::capability);
        // The end of a fallback call: its refused checks are needs only if it failed.
        Optional<FallbackSyscalls.Exit> exit = FallbackSyscalls.exit(t.line());
        if (exit.isPresent()) {
          refused.exit(exit.get()).forEach(this::need);
          return;
        }
        Optional<ForkEvents.Fork> fork = ForkEvents.parse(t.line());
        if (fork.isPresent()) {
          long parent = fork.get().parent();
          long child = fork.get().child();
          entering.forked(parent, child, processes.forked(parent, child, clock.instant()));
        }
        CapabilityTraceParser.exec(t.line())
            .ifPresent(
                x -> {
                  LOG.debug(
                      "exec {} {} entering {}",
                      x.tid(),
                      x.filename(),
                      entering.isEntering(x.tid()));
                  entering.exec(x.tid(), x.filename());
                });
      }
    } else if (e instanceof Lost l) {
      synchronized (activity) {
        activity.lost(l.records());
      }
    } else if (e instanceof PodsChanged) {
      podsChanged();
    }
  }

  private void seccomp(String line) {
    Optional<LossSignals.Loss> loss = LossSignals.parse(line);
    if (loss.isPresent()) {
      lost(loss.get());
      return;
    }
    Optional<SeccompRecord> parsed = SeccompRecordParser.parse(line);
    if (parsed.isEmpty() || parsed.get().syscall() == null) {
      return; // not a seccomp record, or a call no table names (it could not be allowed by name)
    }
    SeccompRecord r = parsed.get();
    // The runtime's calls are kept: runc's init makes them under the container's filter (with
    // no_new_privs, execve of the workload is one), so a profile without them cannot start the
    // container. The base keeps them out of the records: a call it allows is never logged.
    attribute(r.pid(), Optional.of(r.time()), r.syscall(), null, r.time());
  }

  /**
   * A loss line: an increment adds up; the kernel's running total (audit_lost=N) counts what it
   * grew by since the last total seen, and the whole of the first one (losses before the recorder
   * started may be among them: better said than missed).
   */
  private void lost(LossSignals.Loss loss) {
    long records = loss.count();
    if (loss.kind() == LossSignals.Kind.TOTAL) {
      records = lastLossTotal < 0 ? loss.count() : Math.max(0, loss.count() - lastLossTotal);
      lastLossTotal = Math.max(lastLossTotal, loss.count());
    }
    synchronized (activity) {
      activity.lost(records);
    }
  }

  private void capability(CapabilityCheck check) {
    if (check.incidental()
        || RuntimeNoise.isRuntime(check.comm(), null)
        || entering.isEntering(check.tid())) {
      return; // no need: an incidental check, or the runtime's before the workload's exec
    }
    // A refused check in a fallback call waits for the call's end.
    refused.check(check, millis()).forEach(this::need);
  }

  /** A check that means a need: counted for its task's container. */
  private void need(CapabilityCheck check) {
    Instant now = clock.instant();
    LOG.debug(
        "capability {} of {} ({}), granted {}",
        check.capability(),
        check.tid(),
        check.comm(),
        check.granted());
    attribute(check.tid(), Optional.empty(), null, check.capability(), now);
  }

  /** Names the record's container and counts it, or keeps it for a while, or counts it as lost. */
  private void attribute(
      long pid, Optional<Instant> recordTime, String syscall, Capability cap, Instant at) {
    ProcessResolver.Answer answer = processes.resolve(pid, recordTime);
    if (answer instanceof ProcessResolver.Gone) {
      hold(new Pending(pid, recordTime, null, syscall, cap, at, deadline(GONE_GRACE_MILLIS)));
    } else if (answer instanceof ProcessResolver.InContainer c
        && !count(c.containerId(), syscall, cap, at)) {
      hold(
          new Pending(
              pid,
              recordTime,
              c.containerId(),
              syscall,
              cap,
              at,
              deadline(config.containerGrace().toMillis())));
    }
    // NotAContainer: a process of the host, no pod's record.
  }

  private static long deadline(long millis) {
    return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
  }

  private void hold(Pending p) {
    if (pending.size() >= PENDING_LIMIT) {
      synchronized (activity) {
        activity.unattributed(1);
      }
      return;
    }
    pending.add(p);
  }

  /** Tries the held records again: counts those it can now name, and gives up on late ones. */
  private void retryPending() {
    long now = System.nanoTime();
    int expired = 0;
    List<Pending> again = new ArrayList<>();
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      String id = p.containerId();
      if (id == null) {
        ProcessResolver.Answer answer = processes.resolve(p.pid(), p.recordTime());
        if (answer instanceof ProcessResolver.InContainer c) {
          it.remove();
          id = c.containerId();
          if (!count(id, p.syscall(), p.capability(), p.at())) {
            again.add(
                new Pending(
                    p.pid(),
                    p.recordTime(),
                    id,
                    p.syscall(),
                    p.capability(),
                    p.at(),
                    deadline(config.containerGrace().toMillis())));
          }
          continue;
        }
        if (answer instanceof ProcessResolver.NotAContainer) {
          it.remove();
          continue;
        }
      } else if (count(id, p.syscall(), p.capability(), p.at())) {
        it.remove();
        continue;
      }
      if (now - p.deadline() >= 0) {
        it.remove();
        expired++;
        LOG.debug(
            "unattributed: pid {} container {} syscall {} capability {}",
            p.pid(),
            p.containerId(),
            p.syscall(),
            p.capability());
      }
    }
    pending.addAll(again);
    if (expired > 0) {
      synchronized (activity) {
        activity.unattributed(expired);
      }
    }
  }

  /** Counts a record of a container a pod shows; false when no pod shows it (yet). */
  private boolean count(String containerId, String syscall, Capability cap, Instant at) {
    Optional<NodePods.Placed> placed = pods.lookup(containerId);
    if (placed.isEmpty()) {
      return false;
    }
    NodePods.Placed p = placed.get();
    synchronized (activity) {
      if (syscall != null) {
        activity.syscall(p.key(), p.route(), syscall, at);
      }
      if (cap != null) {
        activity.capability(p.key(), p.route(), cap, at);
      }
    }
    return true;
  }

  private void podsChanged() {
    List<NodePods.Placed> all = pods.all();
    Set<String> now = new HashSet<>(pods.podUids());
    synchronized (activity) {
      all.forEach(p -> activity.present(p.key(), p.route()));
      for (String uid : livePods) {
        if (!now.contains(uid)) {
          activity.podGone(uid);
        }
      }
    }
    livePods.clear();
    livePods.addAll(now);
    retryPending();
  }

  NodeRecordingStatus snapshot() {
    synchronized (activity) {
      return activity.status();
    }
  }

  /** Alive while every source and watch it started still runs (and before it started). */
  public boolean isHealthy() {
    return !running
        || (kmsg == null || kmsg.isRunning())
            && (auditLog == null || auditLog.isRunning())
            && (trace == null || trace.isRunning())
            && pods.isWatching();
  }

  /**
   * Ready once pods are known and the audit log is open at its end (later lines are never missed).
   */
  public boolean isReady() {
    return ready && pods.isSynced() && (auditLog == null || auditLog.opened().isDone());
  }

  /** Stops reading, removes the trace instance, and writes a last report. */
  @Override
  public void close() {
    ready = false;
    for (AutoCloseable source : new AutoCloseable[] {trace, kmsg, auditLog}) {
      if (source != null) {
        try {
          source.close();
        } catch (Exception e) {
          LOG.warn("could not close {}: {}", source, e.toString());
        }
      }
    }
    running = false;
    for (Thread t : threads) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    writer.close();
    pods.close();
  }
}
