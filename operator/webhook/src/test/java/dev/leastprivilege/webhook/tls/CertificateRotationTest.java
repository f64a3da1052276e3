package dev.leastprivilege.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rotated Secret is served without a restart; a broken one is ignored and the old certificate
 * kept.
 */
class CertificateRotationTest {
  @TempDir Path dir;

  @Test
  void newConnectionsGetTheRotatedCertificateAndABrokenOneIsIgnored() throws Exception {
    CertificateIssuer.Issued ca = CertificateIssuer.newCa("rotation CA");
    write(CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1")));
    ReloadingKeyManager keys = new ReloadingKeyManager(new PemFiles(dir));
    keys.refresh();
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(new KeyManager[] {keys}, null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.start();
    try {
      BigInteger first = servedSerial(server, ca);
      assertEquals(keys.serving().orElseThrow().getSerialNumber(), first);

      write(CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1")));
      keys.refresh();
      BigInteger second = servedSerial(server, ca);
      assertNotEquals(first, second);

      Files.writeString(
          dir.resolve("tls.crt"),
          "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      keys.refresh();
      assertEquals(second, servedSerial(server, ca));

      // A key that does not belong to the certificate is refused the same way.
      CertificateIssuer.Issued third =
          CertificateIssuer.serving(ca, List.of("localhost"), List.of("127.0.0.1"));
      Files.writeString(dir.resolve("tls.crt"), third.certificate());
      Files.writeString(
          dir.resolve("tls.key"),
          CertificateIssuer.serving(ca, List.of("localhost"), List.of()).privateKey());
      keys.refresh();
      assertEquals(second, servedSerial(server, ca));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void rsaKeysInPkcs1FormAreRead() throws Exception {
    var g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    var pair = g.generateKeyPair();
    // PKCS#1 is what cert-manager writes by default.
    var info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
    String pkcs1 =
        Pems.write(
            new org.bouncycastle.util.io.pem.PemObject(
                "RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded()));
    assertEquals(pair.getPrivate(), Pems.privateKey(pkcs1));
  }

  private void write(CertificateIssuer.Issued serving) throws Exception {
    Files.writeString(dir.resolve("tls.crt"), serving.certificate());
    Files.writeString(dir.resolve("tls.key"), serving.privateKey());
  }

  private static BigInteger servedSerial(HttpsServer server, CertificateIssuer.Issued ca)
      throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", Pems.certificates(ca.certificate()).get(0));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket)
            client.getSocketFactory().createSocket("127.0.0.1", server.getAddress().getPort())) {
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
