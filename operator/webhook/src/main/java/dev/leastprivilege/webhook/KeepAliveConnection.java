package dev.leastprivilege.webhook;

import dev.leastprivilege.webhook.tls.TrustedCa;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 connection over TLS that carries one request after another, as each connection of
 * the API server's webhook client does: the connection is opened (and the TLS handshake made) once,
 * then reused until it fails or the server closes it. Not thread-safe: one request at a time, as
 * HTTP/1.1 without pipelining allows. The webhook's warm-up and the load benchmark use it; unlike
 * the JDK's HttpClient it never opens a connection of its own accord.
 */
public final class KeepAliveConnection implements AutoCloseable {
  /** An answer: status code and body. */
  public record Response(int status, byte[] body) {
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Which server to reach and which CA to trust; makes connections. */
  public static final class Target {
    private final InetSocketAddress address;
    private final SSLContext tls;
    private final String host;

    public Target(InetSocketAddress address, String caPem) throws GeneralSecurityException {
      this.address = address;
      this.host = address.getHostString() + ":" + address.getPort();
      this.tls = TrustedCa.context(caPem);
    }

    /** Opens a new connection and makes its TLS handshake. */
    public KeepAliveConnection open() throws IOException {
      SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket();
      try {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(CONNECT_AND_READ_TIMEOUT_MILLIS);
        socket.connect(address, CONNECT_AND_READ_TIMEOUT_MILLIS);
        socket.startHandshake();
        return new KeepAliveConnection(socket, host);
      } catch (IOException | RuntimeException e) {
        socket.close();
        throw e;
      }
    }
  }

  /** Longer than any answer the webhook gives (the API server's own limit is 30 s). */
  static final int CONNECT_AND_READ_TIMEOUT_MILLIS = 30_000;

  private final SSLSocket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String host;
  private boolean open = true;

  private KeepAliveConnection(SSLSocket socket, String host) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    this.host = host;
  }

  /** Whether the connection can carry another request (the server has not closed it). */
  public boolean isOpen() {
    return open && !socket.isClosed();
  }

  /**
   * POSTs a JSON body and reads the answer. After an IOException the connection is unusable; a
   * server's {@code Connection: close} closes it after the answer is read.
   */
  public Response post(String path, byte[] json) throws IOException {
    try {
      String head =
          "POST "
              + path
              + " HTTP/1.1\r\nHost: "
              + host
              + "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: "
              + json.length
              + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(json);
      out.flush();
      return read();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private Response read() throws IOException {
    String status = line();
    // "HTTP/1.1 200 OK"
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.1 status line: " + status);
    }
    int code = Integer.parseInt(parts[1]);
    long length = -1;
    boolean closeAfter = parts[0].equals("HTTP/1.0");
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("connection")) {
        closeAfter = value.equalsIgnoreCase("close");
      } else if (name.equals("transfer-encoding") && !value.equalsIgnoreCase("identity")) {
        // The webhook always sends a Content-Length; anything else is not its answer.
        throw new IOException("unexpected Transfer-Encoding: " + value);
      }
    }
    if (length < 0) {
      throw new IOException("answer without Content-Length (status " + code + ")");
    }
    byte[] body = in.readNBytes((int) length);
    if (body.length != length) {
      throw new EOFException("answer ended after " + body.length + " of " + length + " bytes");
    }
    if (closeAfter) {
      close();
    }
    return new Response(code, body);
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("the server closed the connection");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    open = false;
    try {
      socket.close();
    } catch (IOException e) {
      // closing: nothing to keep
    }
  }
}
