package dev.leastprivilege.controller.bench;

/** A least-squares line y = a + b x through the points added. */
final class LineFit {
  private long n;
  private double sx;
  private double sy;
  private double sxx;
  private double sxy;

  synchronized void add(double x, double y) {
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }

  /** {a, b}; {0, 0} with fewer than two distinct x. */
  synchronized double[] fit() {
    double d = n * sxx - sx * sx;
    if (n < 2 || d == 0) {
      return new double[] {0, 0};
    }
    double b = (n * sxy - sx * sy) / d;
    return new double[] {(sy - b * sx) / n, b};
  }
}
