package dev.leastprivilege.controller.bench;

import dev.leastprivilege.api.wire.RenderedProfileConfigMap;
import dev.leastprivilege.controller.RealApiServer;
import dev.leastprivilege.core.ProfileRef;
import dev.leastprivilege.core.profile.ProfileCompiler;
import dev.leastprivilege.core.profile.ProfileLookup;
import dev.leastprivilege.core.render.ContentHash;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The agent's resident memory with 1,000 and with 20,000 installed profiles, one row per lever
 * (runtime, classpath, class-data archive, JVM flags), all in one run against one real API server,
 * so each lever is compared with the same run's baseline: today's flags on today's artifact.
 *
 * <p>Each row starts the agent {@code starts} times as its own process; it lists and writes every
 * published profile, and 5 s after the last file its resident memory ({@code VmRSS}), peak ({@code
 * VmHWM}) and thread count are read from /proc; the median start is reported. The profiles are
 * published as rendered ConfigMaps directly, as the operator would publish them (much faster than
 * through the operator, which is not what is measured).
 *
 * <p>The runtimes are built here with the image's own recipes: {@code image/jre.sh} (jlink, from
 * JDK 17 and from JDK 25) and {@code image/agent-cds.sh} (the agent's class-data archive, from the
 * class list a training start of this probe records). Arguments: starts per row (3), then the
 * profile counts (1000,20000). Environment: {@code LPO_BENCH_ROWS} (row ids, comma-separated: all
 * by default), {@code LPO_BENCH_JDK25} (Temurin 25's home), {@code LPO_BENCH_NMT=1} (one more start
 * per row with Native Memory Tracking, printed, not counted), {@code LPO_BENCH_CLASSLIST=path}
 * (where to write the training start's class list; image/agent-classes.txt is the image's).
 */
public final class AgentMemoryProbe {
  /** The chart's agent.jvmOptions before this release: the baseline. */
  static final List<String> TODAY =
      List.of(
          "-XX:+UseSerialGC",
          "-Xms8m",
          "-Xmx64m",
          "-XX:MinHeapFreeRatio=10",
          "-XX:MaxHeapFreeRatio=30",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:ReservedCodeCacheSize=8m",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-Xss256k",
          "-XX:-UsePerfData");

  private static final String NS = ScaleBenchmark.NS;
  private static final Path TOP = Path.of("..", "..").toAbsolutePath().normalize();

  /** A Java runtime: its java launcher, and a full JDK of the same version for jcmd. */
  record Runtime(String name, Path home, Path jdk) {
    Path java() {
      return home.resolve("bin").resolve("java");
    }
  }

  /** One lever's configuration; the archive, when set, is made before the row runs. */
  record Row(
      String id,
      String label,
      Runtime runtime,
      String classpath,
      List<String> flags,
      List<String> archiveFlags,
      boolean gcAfterSync) {
    Row(
        String id,
        String label,
        Runtime runtime,
        String classpath,
        List<String> flags,
        List<String> archiveFlags) {
      this(id, label, runtime, classpath, flags, archiveFlags, false);
    }
  }

  /** archiveFlags marker: JDK 25's AOT cache from a training start, instead of a static archive. */
  static final String AOT = "aot";

  private AgentMemoryProbe() {}

  public static void main(String[] args) throws Exception {
    int starts = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Integer> counts =
        Arrays.stream((args.length > 1 ? args[1] : "1000,20000").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .sorted()
            .toList();
    Set<String> only =
        Stream.of(System.getenv().getOrDefault("LPO_BENCH_ROWS", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toSet());
    boolean nmt = "1".equals(System.getenv("LPO_BENCH_NMT"));
    // Above 1,000 profiles, only these rows (each start lists and writes every profile).
    Set<String> large =
        Set.of(
            System.getenv().getOrDefault("LPO_BENCH_ROWS_LARGE", "base,cds17,shipped").split(","));
    Path work = Files.createTempDirectory("lpo-agent-mem-");
    Path bench = TOP.resolve("operator/controller/target/agent-bench");
    Files.createDirectories(bench);

    Path jdk17 = Path.of(System.getProperty("java.home"));
    Path jdk25 =
        Path.of(
            System.getenv().getOrDefault("LPO_BENCH_JDK25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    Runtime system17 = new Runtime("JDK 17 (this machine's)", jdk17, jdk17);
    Runtime jre17 = new Runtime("jlink JRE 17", ShippedRuntime.jre(jdk17, "jre17"), jdk17);
    Runtime jre25 = new Runtime("jlink JRE 25", ShippedRuntime.jre(jdk25, "jre25"), jdk25);

    String lpoJar = TOP.resolve("operator/cli/target/lpo.jar").toString();
    String agentCp = ChildJvm.agentClasspath();
    String leanCp =
        Stream.of(agentCp.split(File.pathSeparator))
            .filter(j -> !j.matches(".*/kubernetes-model-(?!core|common)[a-z]+-[0-9.]+\\.jar"))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> today = TODAY;
    List<String> coh = plus(today, "-XX:+UseCompactObjectHeaders");
    List<String> cohArchive = List.of("-XX:+UseCompactObjectHeaders");
    List<String> trim = plus(today, "-XX:TrimNativeHeapInterval=5000");
    List<String> shrink = plus(trim, "-XX:-ShrinkHeapInSteps");

    List<Row> rows = new ArrayList<>();
    rows.add(
        new Row(
            "base",
            "jlink 17, lpo.jar, today's flags (as shipped today): baseline",
            jre17,
            lpoJar,
            today,
            null));
    rows.add(
        new Row(
            "docs",
            "JDK 17 of the build machine, agent classpath (how 99.8 MiB was measured)",
            system17,
            agentCp,
            today,
            null));
    rows.add(
        new Row(
            "cp",
            "(b) jlink 17, the agent's own classpath (JDK HTTP client, no Vert.x/Netty)",
            jre17,
            agentCp,
            today,
            null));
    rows.add(
        new Row(
            "lean", "(b) ... without the model jars it never uses", jre17, leanCp, today, null));
    rows.add(
        new Row(
            "cds17",
            "(c) jlink 17, agent classpath, AppCDS archive",
            jre17,
            agentCp,
            today,
            List.of()));
    rows.add(new Row("jre25", "(d) jlink 25, agent classpath", jre25, agentCp, today, null));
    rows.add(
        new Row(
            "coh",
            "(d) jlink 25, agent classpath, compact object headers",
            jre25,
            agentCp,
            coh,
            null));
    rows.add(
        new Row(
            "cds25",
            "(c+d) jlink 25, compact headers, AppCDS archive",
            jre25,
            agentCp,
            coh,
            cohArchive));
    rows.add(
        new Row(
            "aot25",
            "(c+d) jlink 25, compact headers, AOT cache",
            jre25,
            agentCp,
            coh,
            List.of(AOT, "-XX:+UseCompactObjectHeaders")));
    rows.add(
        new Row(
            "trim",
            "(e) jlink 17, AppCDS, TrimNativeHeapInterval=5000",
            jre17,
            agentCp,
            trim,
            List.of()));
    rows.add(
        new Row(
            "heap",
            "(e) ... + a full GC once synced, -XX:-ShrinkHeapInSteps",
            jre17,
            agentCp,
            shrink,
            List.of(),
            true));
    rows.add(
        new Row(
            "young",
            "(e) ... + young generation at most 4 MiB",
            jre17,
            agentCp,
            plus(shrink, "-XX:MaxNewSize=4m"),
            List.of(),
            true));
    // What ships: the image's runtime (image/jre.sh) and archive (image/agent-cds.sh from
    // image/agent-classes.txt), with the chart's agent.jvmOptions.
    Path imageJre = ShippedRuntime.imageJre();
    rows.add(
        new Row(
            "shipped",
            "shipped: the image's runtime and archive, the chart's agent.jvmOptions",
            new Runtime("the image's runtime", imageJre, ShippedRuntime.imageJdk()),
            agentCp,
            ShippedRuntime.chartFlags(MaxSizeProfilesAgentIT.chartJvmOptions(), imageJre, agentCp),
            null));
    // Levers on top of what ships, to try: LPO_BENCH_TRY="id=flag flag;id2=flag ..." adds a row
    // each, the shipped row's flags plus these (heap and compiler flags: the archive still maps);
    // an id ending in -gc also has a full collection run (jcmd) once the files are written.
    Row shipped = rows.get(rows.size() - 1);
    // The agent of an earlier build (LPO_BENCH_BEFORE: its launcher jar, built from that commit),
    // with the chart's flags and an archive of its own: its class list recorded by a training
    // start, as image/agent-classes.txt was for it.
    String before = System.getenv("LPO_BENCH_BEFORE");
    if (before != null) {
      rows.add(
          new Row(
              "before",
              "the agent of an earlier build, with its own archive and the chart's flags",
              shipped.runtime(),
              before,
              shipped.flags().stream()
                  .filter(f -> !f.startsWith("-XX:SharedArchiveFile="))
                  .toList(),
              List.of()));
    }
    for (String tryRow : System.getenv().getOrDefault("LPO_BENCH_TRY", "").split(";")) {
      int eq = tryRow.indexOf('=');
      if (eq > 0) {
        String id = tryRow.substring(0, eq).trim();
        List<String> extra = List.of(tryRow.substring(eq + 1).trim().split("\\s+"));
        rows.add(
            new Row(
                id,
                "shipped + " + String.join(" ", extra),
                shipped.runtime(),
                agentCp,
                plus(shipped.flags(), extra.toArray(String[]::new)),
                null,
                id.endsWith("-gc")));
      }
    }
    rows.removeIf(r -> !only.isEmpty() && !only.contains(r.id()));

    // The work directory holds the API server's kubeconfig (a client key): removed whatever
    // happens.
    java.lang.Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(work)));
    try (RealApiServer api = RealApiServer.start();
        KubernetesClient client = api.client()) {
      Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), api.kubeconfig());
      ScaleBenchmark.namespace(client, NS);
      client
          .resource(new NodeBuilder().withNewMetadata().withName("probe").endMetadata().build())
          .create();
      byte[] json =
          ProfileCompiler.compile(
                  new ProfileRef("direct", "x"),
                  ScaleBenchmark.profile("direct", "x", 0).getSpec(),
                  ProfileLookup.none())
              .rendered()
              .json();
      Map<String, Path> archives = new LinkedHashMap<>();
      int published = 0;
      StringBuilder table = new StringBuilder();
      for (int count : counts) {
        long t0 = System.nanoTime();
        int from = published;
        ScaleBenchmark.parallel(
            count - from,
            i ->
                client
                    .resource(
                        RenderedProfileConfigMap.build(
                            NS, "mem", "p" + (from + i), json, ContentHash.of(json)))
                    .create());
        published = count;
        System.out.printf(
            Locale.ROOT,
            "published %d rendered profiles in %.1f s%n",
            count,
            ScaleBenchmark.seconds(t0));
        table.append(
            String.format(
                Locale.ROOT,
                "%n| lever (%,d profiles) | RSS, median | runs | peak (VmHWM) | threads |%n|---|---|---|---|---|%n",
                count));
        for (Row row : rows) {
          if (count > 1000 && !large.contains(row.id())) {
            continue;
          }
          List<String> flags = new ArrayList<>(row.flags());
          if (row.archiveFlags() != null) {
            Path jsa =
                archives.computeIfAbsent(
                    row.runtime().name() + row.archiveFlags(),
                    k -> archive(row, bench, kubeconfig, work, count));
            flags.add(
                (row.archiveFlags().contains(AOT) ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=")
                    + jsa);
          }
          List<Start> runs = new ArrayList<>();
          try {
            for (int run = 0; run < starts; run++) {
              runs.add(start(row, flags, kubeconfig, work, count, false));
            }
          } catch (IllegalStateException e) {
            // A lever that breaks the agent is a result too (a classpath missing a class, say).
            String line =
                "| " + row.label() + " [" + row.id() + "] | fails: " + e.getMessage() + " | | | |";
            System.out.println(line);
            table.append(line).append('\n');
            continue;
          }
          if (nmt) {
            start(
                row,
                plus(flags, "-XX:NativeMemoryTracking=summary"),
                kubeconfig,
                work,
                count,
                true);
          }
          List<Start> sorted = new ArrayList<>(runs);
          sorted.sort((a, b) -> Double.compare(a.rss(), b.rss()));
          Start median = sorted.get(sorted.size() / 2);
          String line =
              String.format(
                  Locale.ROOT,
                  "| %s [%s] | %.1f MiB | %s | %.1f MiB | %d |",
                  row.label(),
                  row.id(),
                  median.rss(),
                  runs.stream()
                      .map(s -> String.format(Locale.ROOT, "%.1f", s.rss()))
                      .collect(Collectors.joining(", ")),
                  median.peak(),
                  median.threads());
          System.out.println(line);
          table.append(line).append('\n');
        }
      }
      System.out.println(
          "\nflags of every row: " + String.join(" ", TODAY) + ", MALLOC_ARENA_MAX=2" + table);
    }
  }

  record Start(double rss, double peak, int threads) {}

  /**
   * One start of the agent, until it has written every file. An agent that exits on the way (it
   * gives up its first sync after 2 minutes, which 20,000 profiles can take on a loaded machine) is
   * started again on the same directory, as the kubelet would restart it, at most 3 times; the
   * figures are the last process's.
   */
  private static Start start(
      Row row, List<String> flags, Path kubeconfig, Path work, int count, boolean nmt)
      throws Exception {
    Path root = Files.createTempDirectory(work, "root-");
    Path log = work.resolve("agent-" + row.id() + ".log");
    ChildJvm agent = null;
    try {
      long t0 = System.nanoTime();
      int restarts = 0;
      agent = agent(row, flags, kubeconfig, root, log);
      Path dir = root.resolve("leastprivilege/mem");
      while (ScaleBenchmark.count(dir) < count) {
        if (!agent.process.isAlive()) {
          String why =
              Files.readAllLines(log).stream()
                  .filter(l -> l.contains("Error") || l.contains("Exception"))
                  .filter(l -> !l.startsWith("\tat "))
                  .reduce((a, b) -> b)
                  .orElse("see " + log);
          if (restarts == 3 || !why.contains("TimeoutException")) {
            throw new IllegalStateException("the agent exited: " + why);
          }
          restarts++;
          System.out.printf(
              Locale.ROOT, "  %s: the agent exited (%s); started again%n", row.id(), why);
          agent.close();
          agent = agent(row, flags, kubeconfig, root, log);
        }
        Thread.sleep(count > 5000 ? 1000 : 100);
      }
      double installed = ScaleBenchmark.seconds(t0);
      if (row.gcAfterSync()) {
        agent.jcmd(row.runtime().jdk(), "GC.run");
      }
      Thread.sleep(5000);
      Start s =
          new Start(
              agent.rssMiB(), agent.status("VmHWM:") / 1024.0, (int) agent.status("Threads:"));
      System.out.printf(
          Locale.ROOT,
          "  %s: %d files in %.1f s (%d restarts), RSS %.1f MiB (anonymous %.1f, files %.1f),"
              + " peak %.1f MiB, %d threads%n",
          row.id(),
          count,
          installed,
          restarts,
          s.rss(),
          agent.status("RssAnon:") / 1024.0,
          agent.status("RssFile:") / 1024.0,
          s.peak(),
          s.threads());
      if (nmt) {
        System.out.println(agent.jcmd(row.runtime().jdk(), "VM.native_memory summary"));
        System.out.println(agent.jcmd(row.runtime().jdk(), "GC.heap_info"));
        System.out.println(smapsSummary(agent.process.pid()));
        System.out.println(
            agent
                .jcmd(row.runtime().jdk(), "Thread.print")
                .lines()
                .filter(l -> l.startsWith("\""))
                .map(l -> l.replaceAll(" (#|prio|os_prio|cpu|elapsed|tid|nid).*", ""))
                .collect(Collectors.joining(", ")));
        System.out.println(
            agent
                .jcmd(row.runtime().jdk(), "GC.class_histogram")
                .lines()
                .limit(40)
                .collect(Collectors.joining("\n")));
      }
      if (row.id().endsWith("-aot")) {
        // The AOT cache is written as the JVM exits: let it.
        agent.process.destroy();
        agent.process.waitFor(300, java.util.concurrent.TimeUnit.SECONDS);
      }
      return s;
    } finally {
      if (agent != null) {
        agent.close();
      }
      deleteTree(root);
    }
  }

  private static ChildJvm agent(Row row, List<String> flags, Path kubeconfig, Path root, Path log)
      throws IOException {
    return new ChildJvm(
        row.runtime().java(),
        "dev.leastprivilege.agent.AgentMain",
        row.classpath(),
        flags,
        env(kubeconfig, root),
        log);
  }

  /**
   * The row's class-data archive, made as the image makes it: a training start records the classes
   * the agent loads (at this count of profiles), then image/agent-cds.sh dumps them.
   */
  private static Path archive(Row row, Path bench, Path kubeconfig, Path work, int count) {
    try {
      if (row.archiveFlags().contains(AOT)) {
        Path aot = bench.resolve("agent-" + row.id() + ".aot");
        Files.deleteIfExists(aot);
        Row training =
            new Row(
                row.id() + "-aot", row.label(), row.runtime(), row.classpath(), row.flags(), null);
        start(
            training,
            plus(row.flags(), "-XX:AOTCacheOutput=" + aot),
            kubeconfig,
            work,
            count,
            false);
        if (!Files.exists(aot)) {
          throw new IllegalStateException("no AOT cache written: see the training log");
        }
        return aot;
      }
      Path list = bench.resolve("classes-" + row.id() + ".txt");
      Row training =
          new Row(
              row.id() + "-train", row.label(), row.runtime(), row.classpath(), row.flags(), null);
      start(
          training,
          plus(row.flags(), "-XX:DumpLoadedClassList=" + list),
          kubeconfig,
          work,
          count,
          false);
      String keep = System.getenv("LPO_BENCH_CLASSLIST");
      if (keep != null && row.id().equals("cds17")) {
        Files.copy(list, Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Path jsa =
          ShippedRuntime.archive(
              row.runtime().home(), row.classpath(), list, row.archiveFlags(), "agent-" + row.id());
      return jsa;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> env(Path kubeconfig, Path root) throws IOException {
    return ScaleBenchmark.agentEnv(
        Map.of(
            "KUBECONFIG",
            kubeconfig.toString(),
            "LPO_NAMESPACE",
            NS,
            "HEALTH_PORT",
            "0",
            "NODE_NAME",
            "probe",
            "SECCOMP_ROOT",
            root.toString()));
  }

  /** Resident and anonymous KiB by mapping (file, or [heap], [stack], anonymous), largest first. */
  private static String smapsSummary(long pid) throws IOException {
    Map<String, long[]> by = new LinkedHashMap<>();
    String name = null;
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 5 && f[0].contains("-") && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
        name = f.length >= 6 ? f[5] : "(anonymous)";
      } else if (name != null && (f[0].equals("Rss:") || f[0].equals("Anonymous:"))) {
        long[] v = by.computeIfAbsent(name, k -> new long[2]);
        v[f[0].equals("Rss:") ? 0 : 1] += Long.parseLong(f[1]);
      }
    }
    return by.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
        .limit(20)
        .map(
            e ->
                String.format(
                    Locale.ROOT,
                    "  %8d KiB rss %8d KiB anon  %s",
                    e.getValue()[0],
                    e.getValue()[1],
                    e.getKey()))
        .collect(Collectors.joining("\n"));
  }

  private static List<String> plus(List<String> flags, String... more) {
    List<String> all = new ArrayList<>(flags);
    all.addAll(List.of(more));
    return all;
  }

  private static void deleteQuietly(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      deleteTree(root);
    } catch (IOException e) {
      System.err.println("could not remove " + root + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
