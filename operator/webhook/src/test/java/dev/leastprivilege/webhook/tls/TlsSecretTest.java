package dev.leastprivilege.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rules of the self-managed Secret, without an API server. */
class TlsSecretTest {
  private static final List<String> DNS = List.of("svc.ns.svc");
  private static final List<String> IPS = List.of();
  private static final Instant NOW = Instant.now();

  @Test
  void aKeyThatDoesNotMatchItsCertificateIsNeverServedAndIsReissuedFromTheSameCa() {
    TlsSecret good = fresh(CertificateIssuer.newCa("ca"));
    Map<String, String> data = new HashMap<>(good.data());
    data.put(TlsSecret.TLS_KEY, serving(CertificateIssuer.newCa("other")).privateKey());
    TlsSecret mismatched = new TlsSecret(data);

    assertTrue(mismatched.serving(NOW).isEmpty(), "a mismatched pair is never served");
    TlsSecret.Upkeep up = upkeep(mismatched, Set.of());
    assertTrue(
        up.changes().get(0).contains("tls.key does not belong to tls.crt"),
        up.changes().toString());
    assertUsableAndSignedBy(up.secret(), good.data().get(TlsSecret.CA_CRT));
    assertEquals(good.bundle(), up.secret().bundle(), "the same CA: the caBundle does not change");
  }

  @Test
  void aServingCertificateOfAnotherCaOrUnreadableIsReissued() {
    TlsSecret good = fresh(CertificateIssuer.newCa("ca"));
    CertificateIssuer.Issued foreign = serving(CertificateIssuer.newCa("other"));
    Map<String, String> data = new HashMap<>(good.data());
    data.put(TlsSecret.TLS_CRT, foreign.certificate());
    data.put(TlsSecret.TLS_KEY, foreign.privateKey());
    TlsSecret other = new TlsSecret(data);
    assertTrue(other.serving(NOW).isEmpty());
    assertUsableAndSignedBy(upkeep(other, Set.of()).secret(), good.data().get(TlsSecret.CA_CRT));

    data.put(TlsSecret.TLS_CRT, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
    TlsSecret unreadable = new TlsSecret(data);
    assertTrue(unreadable.serving(NOW).isEmpty());
    assertUsableAndSignedBy(
        upkeep(unreadable, Set.of()).secret(), good.data().get(TlsSecret.CA_CRT));
  }

  @Test
  void aGoodSecretIsLeftAlone() {
    TlsSecret good = fresh(CertificateIssuer.newCa("ca"));
    TlsSecret.Upkeep up = upkeep(good, certs(good.bundle()));
    assertFalse(up.changed(), up.changes().toString());
    assertEquals(good, up.secret());
  }

  @Test
  void aCaRolloverTrustsTheNextCaBeforeServingItAndTheOldOneUntilItsCertificateExpires() {
    // A CA with less than a year left: the rollover starts.
    CertificateIssuer.Issued oldCa = CertificateIssuer.newCa("old", Duration.ofDays(200));
    TlsSecret start = fresh(oldCa);
    String oldServing = start.data().get(TlsSecret.TLS_CRT);

    // Step 1: the next CA is added; the old serving certificate is still served.
    TlsSecret step1 = upkeep(start, certs(start.bundle())).secret();
    String nextCa = step1.data().get(TlsSecret.NEXT_CA_CRT);
    assertTrue(nextCa != null, "a next CA");
    assertEquals(oldServing, step1.serving(NOW).orElseThrow().certificateChain());
    assertEquals(List.of(oldCa.certificate(), nextCa), step1.bundle());

    // Until the caBundle holds the next CA, nothing moves, however often upkeep runs.
    TlsSecret.Upkeep waiting = upkeep(step1, certs(List.of(oldCa.certificate())));
    assertFalse(waiting.changed(), waiting.changes().toString());
    assertEquals(oldServing, waiting.secret().serving(NOW).orElseThrow().certificateChain());

    // The caBundle trusts both: noted, and the switch waits until every API server has read it.
    TlsSecret seen = upkeep(step1, certs(step1.bundle())).secret();
    assertEquals(NOW.toString(), seen.data().get(TlsSecret.NEXT_TRUSTED_SINCE));
    assertEquals(oldServing, seen.serving(NOW).orElseThrow().certificateChain());
    assertFalse(
        seen.upkeep(NOW.plusSeconds(59), certs(step1.bundle()), DNS, IPS, () -> null).changed());

    // Step 2: a minute later, a certificate of the next CA is served; the old CA stays trusted,
    // as the old certificate may still be served by a replica that has not reloaded.
    TlsSecret step2 =
        seen.upkeep(NOW.plus(TlsSecret.SETTLE), certs(step1.bundle()), DNS, IPS, () -> null)
            .secret();
    assertUsableAndSignedBy(step2, nextCa);
    assertEquals(nextCa, step2.data().get(TlsSecret.CA_CRT));
    assertEquals(List.of(nextCa, oldCa.certificate()), step2.bundle());
    assertFalse(step2.data().containsKey(TlsSecret.NEXT_CA_KEY));
    assertFalse(step2.data().containsValue(oldCa.privateKey()), "the old CA signs nothing more");
    assertFalse(upkeep(step2, certs(step2.bundle())).changed());

    // Step 3: once the old serving certificate can no longer be served (its CA expired), the old
    // CA leaves the caBundle.
    TlsSecret.Upkeep step3 =
        step2.upkeep(
            NOW.plus(Duration.ofDays(201)),
            certs(step2.bundle()),
            DNS,
            IPS,
            () -> {
              throw new AssertionError("no new CA");
            });
    assertEquals(List.of(nextCa), step3.secret().bundle());
  }

  @Test
  void aCaWhoseKeyDoesNotMatchIsRolledOverWhileItsGoodCertificateIsStillServed() {
    TlsSecret good = fresh(CertificateIssuer.newCa("ca"));
    Map<String, String> data = new HashMap<>(good.data());
    data.put(TlsSecret.CA_KEY, CertificateIssuer.newCa("other").privateKey());
    TlsSecret lostKey = new TlsSecret(data);
    TlsSecret step1 = upkeep(lostKey, certs(good.bundle())).secret();
    assertEquals(
        good.data().get(TlsSecret.TLS_CRT),
        step1.serving(NOW).orElseThrow().certificateChain(),
        "the working certificate is kept until the new CA is trusted");
    assertEquals(2, step1.bundle().size());
    TlsSecret seen = upkeep(step1, certs(step1.bundle())).secret();
    TlsSecret step2 =
        seen.upkeep(NOW.plus(TlsSecret.SETTLE), certs(step1.bundle()), DNS, IPS, () -> null)
            .secret();
    assertUsableAndSignedBy(step2, step1.data().get(TlsSecret.NEXT_CA_CRT));
    assertNotEquals(good.data().get(TlsSecret.CA_CRT), step2.data().get(TlsSecret.CA_CRT));
  }

  @Test
  void nothingUsableAtAllGetsANewCaAndCertificateAtOnce() {
    TlsSecret.Upkeep up = upkeep(new TlsSecret(Map.of()), Set.of());
    assertTrue(up.changed());
    assertUsableAndSignedBy(up.secret(), up.secret().data().get(TlsSecret.CA_CRT));
    assertEquals(1, up.secret().bundle().size());
  }

  private static TlsSecret.Upkeep upkeep(TlsSecret s, Set<X509Certificate> trusted) {
    return s.upkeep(NOW, trusted, DNS, IPS, () -> CertificateIssuer.newCa("next"));
  }

  private static TlsSecret fresh(CertificateIssuer.Issued ca) {
    CertificateIssuer.Issued serving = serving(ca);
    return new TlsSecret(
        Map.of(
            TlsSecret.CA_CRT, ca.certificate(),
            TlsSecret.CA_KEY, ca.privateKey(),
            TlsSecret.TLS_CRT, serving.certificate() + ca.certificate(),
            TlsSecret.TLS_KEY, serving.privateKey()));
  }

  private static CertificateIssuer.Issued serving(CertificateIssuer.Issued ca) {
    return CertificateIssuer.serving(ca, DNS, IPS);
  }

  private static Set<X509Certificate> certs(List<String> pems) {
    return pems.stream().map(p -> Pems.certificates(p).get(0)).collect(Collectors.toSet());
  }

  private static void assertUsableAndSignedBy(TlsSecret s, String caPem) {
    KeyMaterial.Pem pem =
        s.serving(NOW)
            .orElseThrow(
                () -> new AssertionError("not servable: " + s.servingProblem(NOW, DNS, IPS)));
    X509Certificate leaf = Pems.certificates(pem.certificateChain()).get(0);
    try {
      leaf.verify(Pems.certificates(caPem).get(0).getPublicKey());
    } catch (Exception e) {
      throw new AssertionError("not signed by the expected CA", e);
    }
    assertTrue(KeyPairs.matches(Pems.privateKey(pem.privateKey()), leaf));
  }
}
