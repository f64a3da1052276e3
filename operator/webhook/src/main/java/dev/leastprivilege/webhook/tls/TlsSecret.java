package dev.leastprivilege.webhook.tls;

import java.net.InetAddress;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the self-managed Secret holds, and the rules that keep it served safely: no pure I/O here,
 * {@link SelfManagedTls} reads and writes it.
 *
 * <ul>
 *   <li>{@code ca.crt}/{@code ca.key}: the CA that signed the serving certificate;
 *   <li>{@code tls.crt}/{@code tls.key}: the serving certificate (followed by the CA) and its key;
 *   <li>{@code next-ca.crt}/{@code next-ca.key}: during a CA rollover, the CA that will replace it;
 *   <li>{@code retired-ca.crt}/{@code retired-tls.crt}: after one, the old CA, trusted until the
 *       old serving certificate can no longer be served (it or the old CA has expired).
 *   <li>{@code next-ca.trusted-since}: when an upkeep first saw the next CA in the caBundle.
 * </ul>
 *
 * <p>A rollover takes three steps, each a write of the Secret that every replica follows: (1) the
 * next CA is added, and the caBundle comes to trust both; (2) only when the caBundle the API server
 * uses already holds the next CA does a serving certificate signed by it replace the old one; (3)
 * the old CA leaves the caBundle once the old serving certificate has expired. A serving
 * certificate that is not usable (its key does not match, another CA signed it, it is unreadable or
 * expired) is replaced at once, and never served.
 */
public record TlsSecret(Map<String, String> data) {
  static final String CA_CRT = "ca.crt";
  static final String CA_KEY = "ca.key";
  static final String TLS_CRT = "tls.crt";
  static final String TLS_KEY = "tls.key";
  static final String NEXT_CA_CRT = "next-ca.crt";
  static final String NEXT_CA_KEY = "next-ca.key";
  static final String NEXT_TRUSTED_SINCE = "next-ca.trusted-since";
  static final String RETIRED_CA_CRT = "retired-ca.crt";
  static final String RETIRED_TLS_CRT = "retired-tls.crt";

  /** Renew a serving certificate this long before it expires. */
  static final Duration RENEW_BEFORE = Duration.ofDays(30);

  /**
   * Start a CA rollover this long before the CA expires: a serving certificate (one year) it signs
   * must not outlive it.
   */
  static final Duration CA_RENEW_BEFORE = Duration.ofDays(365);

  /**
   * How long the next CA must have been in the caBundle before it is served: every API server (each
   * watches the webhook configuration on its own) must have read the new caBundle.
   */
  static final Duration SETTLE = Duration.ofMinutes(1);

  public TlsSecret {
    data = Map.copyOf(data);
  }

  /** The outcome of an upkeep: the Secret's new content and why it changed (empty: unchanged). */
  public record Upkeep(TlsSecret secret, List<String> changes) {
    public boolean changed() {
      return !changes.isEmpty();
    }
  }

  /** A certificate and its key, parsed, with whether the key belongs to the certificate. */
  private record Pair(X509Certificate cert, String certPem, String keyPem, boolean keyMatches) {
    static Optional<Pair> of(String certPem, String keyPem) {
      if (certPem == null || keyPem == null) {
        return Optional.empty();
      }
      try {
        X509Certificate cert = Pems.certificates(certPem).get(0);
        return Optional.of(
            new Pair(cert, certPem, keyPem, KeyPairs.matches(Pems.privateKey(keyPem), cert)));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * The Secret as it should be at {@code now}.
   *
   * @param trusted the CA certificates every webhook of the configuration trusts now (its caBundle,
   *     as the API server reads it); null when there is no configuration to trust them (nothing to
   *     wait for)
   */
  public Upkeep upkeep(
      Instant now,
      Set<X509Certificate> trusted,
      List<String> dnsNames,
      List<String> ipAddresses,
      java.util.function.Supplier<CertificateIssuer.Issued> newCa) {
    Map<String, String> out = new LinkedHashMap<>(data);
    List<String> changes = new ArrayList<>();
    Optional<Pair> ca = Pair.of(data.get(CA_CRT), data.get(CA_KEY)).filter(Pair::keyMatches);
    ca = ca.filter(c -> KeyPairs.validAt(c.cert(), now));
    Optional<Pair> next =
        Pair.of(data.get(NEXT_CA_CRT), data.get(NEXT_CA_KEY))
            .filter(Pair::keyMatches)
            .filter(c -> KeyPairs.validAt(c.cert(), now));
    if (data.containsKey(NEXT_CA_CRT) && next.isEmpty()) {
      out.remove(NEXT_CA_CRT);
      out.remove(NEXT_CA_KEY);
      changes.add("dropped an unusable next CA");
    }
    String broken = servingProblem(now, dnsNames, ipAddresses);
    boolean servable = broken == null;

    // The CA must be replaced when it is unusable or near its end: through a rollover while a
    // good serving certificate is served, at once when none is.
    boolean caNearEnd =
        ca.isEmpty()
            || now.isAfter(ca.get().cert().getNotAfter().toInstant().minus(CA_RENEW_BEFORE));
    if (caNearEnd && next.isEmpty() && servable) {
      CertificateIssuer.Issued fresh = newCa.get();
      out.put(NEXT_CA_CRT, fresh.certificate());
      out.put(NEXT_CA_KEY, fresh.privateKey());
      next = Pair.of(fresh.certificate(), fresh.privateKey());
      changes.add("started a CA rollover: the next CA is trusted first, served later");
    } else if (next.isPresent() && servable && !settled(out, trusted, next.get().cert(), now)) {
      if (!out.equals(data)) {
        changes.add(
            out.containsKey(NEXT_TRUSTED_SINCE)
                ? "the caBundle trusts the next CA; it is served from "
                    + Instant.parse(out.get(NEXT_TRUSTED_SINCE)).plus(SETTLE)
                : "the caBundle does not trust the next CA (any more); it is put back");
      }
    } else if (next.isPresent()) {
      // Switch: every API server trusts the next CA by now (or nothing good is served anyway).
      out.remove(NEXT_TRUSTED_SINCE);
      if (servable) {
        out.put(RETIRED_CA_CRT, data.get(CA_CRT));
        out.put(RETIRED_TLS_CRT, Pems.write(leaf()));
      }
      issueServing(out, next.get().certPem(), next.get().keyPem(), dnsNames, ipAddresses);
      out.remove(NEXT_CA_CRT);
      out.remove(NEXT_CA_KEY);
      changes.add("serving a certificate of the new CA, which the caBundle trusts");
    } else if (ca.isEmpty() && !servable) {
      CertificateIssuer.Issued fresh = newCa.get();
      issueServing(out, fresh.certificate(), fresh.privateKey(), dnsNames, ipAddresses);
      out.remove(RETIRED_CA_CRT);
      out.remove(RETIRED_TLS_CRT);
      changes.add("issued a new CA and serving certificate (" + broken + ")");
    } else if (ca.isPresent() && (!servable || needsRenewal(now, dnsNames, ipAddresses))) {
      issueServing(out, ca.get().certPem(), ca.get().keyPem(), dnsNames, ipAddresses);
      changes.add("issued a serving certificate (" + (servable ? "due for renewal" : broken) + ")");
    }

    // The old CA stays trusted while the old serving certificate could still be served.
    if (out.containsKey(RETIRED_CA_CRT) && !retiredStillServable(out, now)) {
      out.remove(RETIRED_CA_CRT);
      out.remove(RETIRED_TLS_CRT);
      changes.add("the old CA left the caBundle: its serving certificate has expired");
    }
    return new Upkeep(changes.isEmpty() ? this : new TlsSecret(out), List.copyOf(changes));
  }

  /** The CA certificates the caBundle must hold: the current CA, the next, the retired one. */
  public List<String> bundle() {
    List<String> pems = new ArrayList<>();
    for (String key : List.of(CA_CRT, NEXT_CA_CRT, RETIRED_CA_CRT)) {
      String pem = data.get(key);
      if (pem != null) {
        try {
          Pems.certificates(pem);
          pems.add(pem);
        } catch (IllegalArgumentException e) {
          // an unreadable CA is trusted by no one
        }
      }
    }
    return pems;
  }

  /** The certificate and key to serve, only when they are usable. */
  public Optional<KeyMaterial.Pem> serving(Instant now) {
    return servingProblem(now, List.of(), List.of()) == null
        ? Optional.of(new KeyMaterial.Pem(data.get(TLS_CRT), data.get(TLS_KEY)))
        : Optional.empty();
  }

  /** Why the serving certificate cannot be served, or null when it can. */
  String servingProblem(Instant now, List<String> dnsNames, List<String> ipAddresses) {
    if (data.get(TLS_CRT) == null || data.get(TLS_KEY) == null) {
      return "no serving certificate";
    }
    Optional<Pair> serving = Pair.of(data.get(TLS_CRT), data.get(TLS_KEY));
    if (serving.isEmpty()) {
      return "the serving certificate or key is unreadable";
    }
    if (!serving.get().keyMatches()) {
      return "tls.key does not belong to tls.crt";
    }
    X509Certificate caCert;
    try {
      caCert = Pems.certificates(data.get(CA_CRT)).get(0);
      serving.get().cert().verify(caCert.getPublicKey());
    } catch (Exception e) {
      return "the serving certificate is not signed by ca.crt";
    }
    if (!KeyPairs.validAt(serving.get().cert(), now) || !KeyPairs.validAt(caCert, now)) {
      return "the serving certificate or its CA has expired";
    }
    return null;
  }

  private boolean needsRenewal(Instant now, List<String> dnsNames, List<String> ipAddresses) {
    X509Certificate leaf = leaf();
    if (now.isAfter(leaf.getNotAfter().toInstant().minus(RENEW_BEFORE))) {
      return true;
    }
    Set<String> wanted = new HashSet<>(dnsNames);
    ipAddresses.forEach(ip -> wanted.add(canonicalIp(ip)));
    try {
      return !names(leaf).containsAll(wanted);
    } catch (CertificateParsingException e) {
      return true;
    }
  }

  private X509Certificate leaf() {
    return Pems.certificates(data.get(TLS_CRT)).get(0);
  }

  private static boolean retiredStillServable(Map<String, String> data, Instant now) {
    try {
      X509Certificate ca = Pems.certificates(data.get(RETIRED_CA_CRT)).get(0);
      X509Certificate leaf = Pems.certificates(data.get(RETIRED_TLS_CRT)).get(0);
      return KeyPairs.validAt(ca, now) && KeyPairs.validAt(leaf, now);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void issueServing(
      Map<String, String> out,
      String caPem,
      String caKey,
      List<String> dnsNames,
      List<String> ipAddresses) {
    CertificateIssuer.Issued ca = new CertificateIssuer.Issued(caPem, caKey);
    CertificateIssuer.Issued serving = CertificateIssuer.serving(ca, dnsNames, ipAddresses);
    out.put(CA_CRT, caPem);
    out.put(CA_KEY, caKey);
    out.put(TLS_CRT, serving.certificate() + caPem);
    out.put(TLS_KEY, serving.privateKey());
  }

  /**
   * Whether the next CA has been in the caBundle for {@link #SETTLE}: notes in {@code out} when it
   * was first seen there, and forgets it when the caBundle lost it.
   */
  private static boolean settled(
      Map<String, String> out, Set<X509Certificate> trusted, X509Certificate next, Instant now) {
    if (trusted == null) {
      return true;
    }
    if (!trustsAll(trusted, next)) {
      out.remove(NEXT_TRUSTED_SINCE);
      return false;
    }
    String since = out.get(NEXT_TRUSTED_SINCE);
    if (since == null) {
      out.put(NEXT_TRUSTED_SINCE, now.toString());
      return false;
    }
    try {
      return !now.isBefore(Instant.parse(since).plus(SETTLE));
    } catch (java.time.format.DateTimeParseException e) {
      out.put(NEXT_TRUSTED_SINCE, now.toString());
      return false;
    }
  }

  /** Whether {@code trusted} (null: no configuration) holds {@code ca}. */
  private static boolean trustsAll(Set<X509Certificate> trusted, X509Certificate ca) {
    if (trusted == null) {
      return true;
    }
    try {
      byte[] wanted = ca.getEncoded();
      for (X509Certificate t : trusted) {
        if (Arrays.equals(t.getEncoded(), wanted)) {
          return true;
        }
      }
    } catch (CertificateEncodingException e) {
      return false;
    }
    return false;
  }

  private static Set<String> names(X509Certificate cert) throws CertificateParsingException {
    Set<String> out = new HashSet<>();
    if (cert.getSubjectAlternativeNames() != null) {
      for (List<?> san : cert.getSubjectAlternativeNames()) {
        String value = String.valueOf(san.get(1));
        out.add(((Integer) san.get(0)) == 7 ? canonicalIp(value) : value);
      }
    }
    return out;
  }

  private static String canonicalIp(String ip) {
    try {
      return InetAddress.getByName(ip).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return ip;
    }
  }
}
