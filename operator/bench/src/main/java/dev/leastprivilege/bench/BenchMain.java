package dev.leastprivilege.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the benchmarks and prints, per benchmark, the median of the measurement iterations (the
 * machines are noisy, so the median rather than the mean), the range, and the ratio to the baseline
 * measured in the same run. Arguments are a JMH include pattern (default: every benchmark).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    String include = args.length > 0 ? args[0] : "dev.leastprivilege.bench.*";
    Collection<RunResult> results = new Runner(new OptionsBuilder().include(include).build()).run();
    double baseline = Double.NaN;
    List<String[]> rows = new ArrayList<>();
    for (RunResult r : results) {
      List<Double> scores = new ArrayList<>();
      for (IterationResult i : r.getBenchmarkResults().iterator().next().getIterationResults()) {
        scores.add(i.getPrimaryResult().getScore());
      }
      scores.sort(null);
      double median = scores.get(scores.size() / 2);
      String name = r.getParams().getBenchmark().replaceAll(".*\\.", "");
      if (name.startsWith("baseline")) {
        baseline = median;
      }
      rows.add(
          new String[] {
            name,
            fmt(median),
            fmt(scores.get(0)) + " – " + fmt(scores.get(scores.size() - 1)),
            r.getPrimaryResult().getScoreUnit(),
            Double.toString(median)
          });
    }
    System.out.println();
    System.out.println("| benchmark | median | min – max (per iteration) | unit | vs. baseline |");
    System.out.println("|---|---|---|---|---|");
    for (String[] row : rows) {
      double ratio = Double.parseDouble(row[4]) / baseline;
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %s | %s | %s |%n",
          row[0],
          row[1],
          row[2],
          row[3],
          Double.isNaN(ratio) ? "" : String.format(Locale.ROOT, "%.2f×", ratio));
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }
}
