package dev.leastprivilege.controller.bench;

import static dev.leastprivilege.controller.bench.FleetBenchmark.bytes;
import static dev.leastprivilege.controller.bench.FleetBenchmark.medianOf;

import dev.leastprivilege.controller.bench.FleetBenchmark.Sample;
import dev.leastprivilege.controller.bench.FleetDesign.Op;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** The tables FleetBenchmark prints at the end: medians, objects, formulas, heap. */
final class Report {
  static final int EXTRAPOLATED_NODES = 5000;
  private static final List<String> DESIGNS = List.of("NEW", "TODAY", "SPO");

  private Report() {}

  static void print(
      List<Sample> samples,
      Map<String, FleetDesign.ReportObjects> objects,
      double[] heap,
      int n,
      int p,
      int spoProfiles,
      int heapReports,
      Map<String, Double> constants) {
    line("");
    line(
        "== Per profile change: medians of %d repetitions (N=%d nodes, P=%d profiles) ==",
        samples.stream().mapToInt(Sample::rep).max().orElse(0), n, p);
    line("");
    line(
        "What the API server receives from the nodes' reporting, and what the watch on the reports"
            + " delivers. Requests and JSON bodies are counted by the simulated nodes; TLS bytes by"
            + " a TCP proxy in front of the API server (TLS records: bodies, HTTP/2 headers and"
            + " framing), one for the nodes' reports, one for the watch on the reports (for NEW a"
            + " watch of the benchmark's that receives what the operator's receives), one for the"
            + " operator. The API server's request count (apiserver_request_total) cross-checks the"
            + " first column. Watch JSON: the objects received, in their event envelope.");
    line("");
    line(
        "| design | change | report requests (per node) | request bodies (JSON) | TLS bytes to"
            + " API server | TLS bytes back to nodes | API server's request count | report watch:"
            + " events | JSON | TLS bytes | operator, all its traffic (TLS) |");
    line("|---|---|---|---|---|---|---|---|---|---|---|");
    for (String d : DESIGNS) {
      for (Op op : Op.values()) {
        List<Sample> s = of(samples, d, op);
        if (s.isEmpty()) {
          continue;
        }
        double requests = medianOf(s, x -> Tally.requests(x.requests()));
        line(
            "| %s | %s | %,.0f (%.2f) | %s | %s | %s | %,.0f | %,.0f | %s | %s | %s |",
            d,
            op.name().toLowerCase(Locale.ROOT),
            requests,
            requests / n,
            bytes(medianOf(s, x -> Tally.bytes(x.requests()))),
            bytes(medianOf(s, x -> x.reporters().toServer())),
            bytes(medianOf(s, x -> x.reporters().fromServer())),
            medianOf(s, Sample::apiRequests),
            medianOf(s, x -> x.watched().events()),
            bytes(medianOf(s, x -> x.watched().jsonBytes())),
            bytes(medianOf(s, x -> x.watcher().fromServer())),
            s.get(0).operator() == null
                ? "no operator"
                : bytes(medianOf(s, x -> x.operator().fromServer() + x.operator().toServer())));
      }
    }
    line("");
    line("Requests by kind (median per change):");
    for (String d : DESIGNS) {
      for (Op op : Op.values()) {
        List<Sample> s = of(samples, d, op);
        if (!s.isEmpty()) {
          line("  %-5s %-6s %s", d, op, FleetBenchmark.describe(s.get(s.size() / 2).requests()));
        }
      }
    }
    line("");
    line(
        "Time until the profile's state is exact (median, s): from the write that starts the"
            + " change, and from the moment the simulated nodes saw it:");
    line("");
    line(
        "| design | create | update | delete | create after publish | update after publish |"
            + " delete after publish |");
    line("|---|---|---|---|---|---|---|");
    for (String d : DESIGNS) {
      StringBuilder b = new StringBuilder("| " + d + " |");
      for (Op op : Op.values()) {
        b.append(' ').append(time(medianOf(of(samples, d, op), Sample::exactSeconds))).append(" |");
      }
      for (Op op : Op.values()) {
        b.append(' ')
            .append(time(medianOf(of(samples, d, op), Sample::afterPublishSeconds)))
            .append(" |");
      }
      line(b.toString());
    }
    line("");
    line(
        "Not counted above, the nodes' own watch of what to install (TLS bytes to ONE simulated"
            + " node per change, median; every node receives the same, so the fleet gets N times"
            + " as much): NEW and TODAY watch the rendered-profile ConfigMaps (the same in both),"
            + " SPO's daemons watch the profile objects, which every node's finalizer changes:");
    for (String d : DESIGNS) {
      StringBuilder b = new StringBuilder("  " + d + ":");
      for (Op op : Op.values()) {
        double one = medianOf(of(samples, d, op), x -> x.nodeWatch().fromServer());
        b.append(
            String.format(
                Locale.ROOT,
                " %s %s (x N = %s);",
                op.name().toLowerCase(Locale.ROOT),
                bytes(one),
                bytes(one * n)));
      }
      line(b.toString());
    }

    line("");
    line("== Report objects at P=%d ==", p);
    line("");
    line("| design | objects | total JSON (etcd terms) | per object |");
    line("|---|---|---|---|");
    objects.forEach(
        (d, o) -> {
          if (d.equals("SPO") && spoProfiles != p) {
            double per = o.count() == 0 ? 0 : (double) o.jsonBytes() / o.count();
            line(
                "| SPO, measured at %d profiles | %,d | %s | %s |",
                spoProfiles, o.count(), bytes(o.jsonBytes()), bytes(per));
            line(
                "| SPO at P=%d (computed: P x N x the measured mean) | %,d | %s | %s |",
                p, (long) p * n, bytes(per * p * n), bytes(per));
          } else {
            line(
                "| %s | %,d | %s | %s |",
                d,
                o.count(),
                bytes(o.jsonBytes()),
                bytes(o.count() == 0 ? 0 : (double) o.jsonBytes() / o.count()));
          }
        });
    line(
        "SPO's profiles also carry one finalizer per node, with its managed fields: %s per profile"
            + " at N=%d (%.1f B a node, fitted from the profile updates).",
        bytes(constants.getOrDefault("SPO profile update per finalizer", 0.0) * n),
        n,
        constants.getOrDefault("SPO profile update per finalizer", 0.0));

    formulas(samples, objects, n, p, constants);

    line("");
    line(
        "Report writes that failed and were tried again 2 s later (as the agent does): NEW %.0f,"
            + " TODAY %.0f.",
        constants.getOrDefault("NEW write failures", 0.0),
        constants.getOrDefault("TODAY write failures", 0.0));

    line("");
    line("== Operator heap after GC (median of 3 readings, same run) ==");
    line("");
    line("| NodeProfileStatus objects (new shape) | heap after GC |");
    line("|---|---|");
    line("| none (baseline) | %.1f MiB |", heap[0]);
    line("| %,d | %.1f MiB |", heapReports, heap[1]);
    line(
        "Difference: %.1f MiB, %.2f KiB per report (informer cache and the operator's index).",
        heap[1] - heap[0], (heap[1] - heap[0]) * 1024 / heapReports);
  }

  /** Bytes per change as a function of N and P, with this run's constants, and at 5,000 nodes. */
  private static void formulas(
      List<Sample> samples,
      Map<String, FleetDesign.ReportObjects> objects,
      int n,
      int p,
      Map<String, Double> constants) {
    line("");
    line("== Bytes per profile change as a function of N and P (constants from this run) ==");
    line("");
    // NEW: k merge patches per node of constant size, k watch events per node.
    double newJson = meanBody(samples, "NEW", k -> k.startsWith("PATCH"));
    double newTls = tlsPerRequest(samples, "NEW");
    double newEvent = perEvent(samples, "NEW");
    // TODAY: a GET and a patch of the whole list per node.
    double entry = constants.getOrDefault("TODAY entry JSON", 0.0);
    double legacyFixed = meanBody(samples, "TODAY", k -> k.startsWith("PATCH")) - entry * p;
    double legacyEventFixed = perEvent(samples, "TODAY") - entry * p;
    double legacyTls = tlsRatio(samples, "TODAY");
    // SPO: status-object writes per node, and one update of the profile per node whose size grows
    // with the finalizers it carries.
    double p0 = constants.getOrDefault("SPO profile update fixed", 0.0);
    double f = constants.getOrDefault("SPO profile update per finalizer", 0.0);
    double spoTls = tlsRatio(samples, "SPO");
    double spoEvent = perEvent(samples, "SPO");
    Map<Op, Double> spoWrites = new EnumMap<>(Op.class);
    Map<Op, Double> spoEvents = new EnumMap<>(Op.class);
    for (Op op : Op.values()) {
      List<Sample> s = of(samples, "SPO", op);
      spoWrites.put(op, medianOf(s, x -> bodies(x, k -> k.contains("nodestatuses"))) / n);
      spoEvents.put(op, medianOf(s, x -> x.watched().events()) / n);
    }
    line(
        "NEW:   each node sends k merge patches of %.0f B JSON (%.0f B TLS with HTTP/2 headers),"
            + " the watch on the reports delivers k events of %.0f B, k = 1 (create), 1 (update),"
            + " 2 (delete: the tombstone, then the deletion):",
        newJson, newTls, newEvent);
    line(
        "         received = k x N x %.0f B (TLS)    delivered = k x N x %.0f B    (no P)",
        newTls, newEvent);
    line(
        "TODAY: each node sends a GET and a merge patch of %.0f + %.1f x P B JSON (TLS = %.3f x"
            + " JSON); the watch delivers one event of %.0f + %.1f x P B per node:",
        legacyFixed, entry, legacyTls, legacyEventFixed, entry);
    line(
        "         received = N x %.3f x (%.0f + %.1f x P) B (TLS)    delivered = N x (%.0f + %.1f"
            + " x P) B    (and the GETs send as much again back to the nodes)",
        legacyTls, legacyFixed, entry, legacyEventFixed, entry);
    line(
        "SPO:   each node writes its status object (%.0f B JSON per node on create, %.0f B on"
            + " delete) and updates the profile, %.0f + %.1f x k B with k finalizers (TLS = %.3f x"
            + " JSON); the watcher gets %.1f (create) / %.1f (delete) events of %.0f B per node:",
        spoWrites.get(Op.CREATE),
        spoWrites.get(Op.DELETE),
        p0,
        f,
        spoTls,
        spoEvents.get(Op.CREATE),
        spoEvents.get(Op.DELETE),
        spoEvent);
    line(
        "         received = %.3f x (N x (%.0f + %.0f) + %.1f x N^2/2) B (create), %.3f x (N x"
            + " (%.0f + %.0f) + %.1f x N^2/2) B (delete), 0 (update)    (no P)",
        spoTls, spoWrites.get(Op.CREATE), p0, f, spoTls, spoWrites.get(Op.DELETE), p0, f);
    line(
        "         delivered = N x %.1f x %.0f B (create), N x %.1f x %.0f B (delete) to the"
            + " watcher; besides, every daemon watches the profiles (N updates of %.0f + %.1f x k B"
            + " each) and, through its cached client, every status object: N times that in all",
        spoEvents.get(Op.CREATE), spoEvent, spoEvents.get(Op.DELETE), spoEvent, p0, f);

    int x = EXTRAPOLATED_NODES;
    line("");
    line("EXTRAPOLATED (not measured) to N=%,d nodes with the formulas above:", x);
    line("");
    line(
        "| design | P | received per create (TLS) | per update | per delete | watch delivers per"
            + " create | per update | per delete |");
    line("|---|---|---|---|---|---|---|---|");
    line(
        "| NEW | any | %s | %s | %s | %s | %s | %s |",
        bytes(x * newTls),
        bytes(x * newTls),
        bytes(2.0 * x * newTls),
        bytes(x * newEvent),
        bytes(x * newEvent),
        bytes(2.0 * x * newEvent));
    for (int pp : p == 1000 ? List.of(p) : List.of(p, 1000)) {
      double in = x * legacyTls * (legacyFixed + entry * pp);
      double out = x * (legacyEventFixed + entry * pp);
      line(
          "| TODAY | %,d | %s | %s | %s | %s | %s | %s |",
          pp, bytes(in), bytes(in), bytes(in), bytes(out), bytes(out), bytes(out));
    }
    double halfSquare = x * (double) x / 2;
    double spoCreate = spoTls * (x * (spoWrites.get(Op.CREATE) + p0) + f * halfSquare);
    double spoDelete = spoTls * (x * (spoWrites.get(Op.DELETE) + p0) + f * halfSquare);
    line(
        "| SPO | any | %s | 0 | %s | %s | 0 | %s |",
        bytes(spoCreate),
        bytes(spoDelete),
        bytes(x * spoEvents.get(Op.CREATE) * spoEvent),
        bytes(x * spoEvents.get(Op.DELETE) * spoEvent));
    double perDaemon = x * p0 + f * halfSquare;
    line(
        "| SPO, all %,d daemons' watches | any | | | | %s | 0 | %s |",
        x,
        bytes(x * (perDaemon + x * spoEvents.get(Op.CREATE) * spoEvent)),
        bytes(x * (perDaemon + x * spoEvents.get(Op.DELETE) * spoEvent)));
    FleetDesign.ReportObjects legacy = objects.get("TODAY");
    FleetDesign.ReportObjects current = objects.get("NEW");
    if (legacy != null && legacy.count() > 0 && current != null && current.count() > 0) {
      line("");
      line(
          "EXTRAPOLATED report objects at N=%,d: NEW %,d objects, %s; TODAY %,d objects, %s at"
              + " P=%,d (%s at P=1,000); SPO %,d objects at P=%,d.",
          x,
          x,
          bytes(x * (double) current.jsonBytes() / current.count()),
          x,
          bytes(x * (double) legacy.jsonBytes() / legacy.count()),
          p,
          bytes(x * (legacyFixed + entry * 1000)),
          (long) x * p,
          p);
    }
  }

  private static double meanBody(List<Sample> samples, String design, Predicate<String> kind) {
    long requests = 0;
    long bytes = 0;
    for (Sample s : samples) {
      if (!s.design().equals(design)) {
        continue;
      }
      for (var e : s.requests().entrySet()) {
        if (kind.test(e.getKey())) {
          requests += e.getValue().requests();
          bytes += e.getValue().bytes();
        }
      }
    }
    return requests == 0 ? 0 : (double) bytes / requests;
  }

  private static double bodies(Sample s, Predicate<String> kind) {
    return s.requests().entrySet().stream()
        .filter(e -> kind.test(e.getKey()))
        .mapToLong(e -> e.getValue().bytes())
        .sum();
  }

  private static double tlsPerRequest(List<Sample> samples, String design) {
    double tls = 0;
    double requests = 0;
    for (Sample s : samples) {
      if (s.design().equals(design)) {
        tls += s.reporters().toServer();
        requests += Tally.requests(s.requests());
      }
    }
    return requests == 0 ? 0 : tls / requests;
  }

  private static double tlsRatio(List<Sample> samples, String design) {
    double tls = 0;
    double json = 0;
    for (Sample s : samples) {
      if (s.design().equals(design)) {
        tls += s.reporters().toServer();
        json += Tally.bytes(s.requests());
      }
    }
    return json == 0 ? 0 : tls / json;
  }

  private static double perEvent(List<Sample> samples, String design) {
    double bytes = 0;
    double events = 0;
    for (Sample s : samples) {
      if (s.design().equals(design)) {
        bytes += s.watched().jsonBytes();
        events += s.watched().events();
      }
    }
    return events == 0 ? 0 : bytes / events;
  }

  private static List<Sample> of(List<Sample> samples, String design, Op op) {
    return samples.stream().filter(s -> s.design().equals(design) && s.op() == op).toList();
  }

  private static String time(double seconds) {
    return Double.isNaN(seconds) || seconds < 0
        ? "n/a"
        : String.format(Locale.ROOT, "%.2f", seconds);
  }

  private static void line(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
