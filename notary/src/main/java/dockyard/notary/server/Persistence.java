package dockyard.notary.server;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the server's metadata and its own keys live between runs. Every accepted update (the
 * uploaded files and the snapshot and timestamp the server signed for it) is written in one
 * transaction before it becomes visible, so a crash leaves the previous state or the whole update.
 * {@link #memory()} keeps nothing; {@link #h2(Path)} is an embedded H2 database in a file.
 */
public interface Persistence extends AutoCloseable {
  record Row(String gun, String role, long version, byte[] bytes) {}

  /** A server key: {@code pending} is a rotated key not yet named by a root. */
  record KeyRow(String gun, String role, boolean pending, String keyType, byte[] publicBytes, byte[] pkcs8) {}

  List<Row> loadFiles() throws IOException;

  List<KeyRow> loadKeys() throws IOException;

  /** The rows of one update, and keys that became current with it, atomically. */
  void saveUpdate(List<Row> rows, List<KeyRow> promoted) throws IOException;

  void saveKey(KeyRow key) throws IOException;

  void deleteRepository(String gun) throws IOException;

  @Override
  void close() throws IOException;

  static Persistence memory() {
    return new Persistence() {
      @Override public List<Row> loadFiles() { return List.of(); }
      @Override public List<KeyRow> loadKeys() { return List.of(); }
      @Override public void saveUpdate(List<Row> rows, List<KeyRow> promoted) { }
      @Override public void saveKey(KeyRow key) { }
      @Override public void deleteRepository(String gun) { }
      @Override public void close() { }
    };
  }

  /** An H2 database in {@code file} (".mv.db" is added by H2), created on first use. */
  static Persistence h2(Path file) throws IOException {
    try {
      Connection c = DriverManager.getConnection("jdbc:h2:file:" + file.toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE", "notary", "");
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS tuf_files (seq BIGINT AUTO_INCREMENT PRIMARY KEY, gun VARCHAR(255) NOT NULL,"
            + " role VARCHAR(255) NOT NULL, version BIGINT NOT NULL, data VARBINARY(20971520) NOT NULL)");
        s.execute("CREATE INDEX IF NOT EXISTS tuf_files_gun ON tuf_files (gun, role)");
        s.execute("CREATE TABLE IF NOT EXISTS server_keys (gun VARCHAR(255) NOT NULL, role VARCHAR(32) NOT NULL, pending BOOLEAN NOT NULL,"
            + " keytype VARCHAR(32) NOT NULL, public_key VARBINARY(8192) NOT NULL, private_key VARBINARY(8192) NOT NULL,"
            + " PRIMARY KEY (gun, role, pending))");
      }
      c.setAutoCommit(false);
      c.commit();
      return new H2(c);
    } catch (SQLException e) {
      throw new IOException("cannot open the notary database " + file + ": " + e.getMessage(), e);
    }
  }

  final class H2 implements Persistence {
    private final Connection c;

    H2(Connection c) {
      this.c = c;
    }

    @Override
    public synchronized List<Row> loadFiles() throws IOException {
      List<Row> out = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT gun, role, version, data FROM tuf_files ORDER BY seq")) {
        while (r.next()) out.add(new Row(r.getString(1), r.getString(2), r.getLong(3), r.getBytes(4)));
        c.commit();
        return out;
      } catch (SQLException e) {
        throw new IOException("notary database: " + e.getMessage(), e);
      }
    }

    @Override
    public synchronized List<KeyRow> loadKeys() throws IOException {
      List<KeyRow> out = new ArrayList<>();
      try (Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT gun, role, pending, keytype, public_key, private_key FROM server_keys")) {
        while (r.next()) out.add(new KeyRow(r.getString(1), r.getString(2), r.getBoolean(3), r.getString(4), r.getBytes(5), r.getBytes(6)));
        c.commit();
        return out;
      } catch (SQLException e) {
        throw new IOException("notary database: " + e.getMessage(), e);
      }
    }

    @Override
    public synchronized void saveUpdate(List<Row> rows, List<KeyRow> promoted) throws IOException {
      try {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO tuf_files (gun, role, version, data) VALUES (?, ?, ?, ?)")) {
          for (Row r : rows) {
            p.setString(1, r.gun());
            p.setString(2, r.role());
            p.setLong(3, r.version());
            p.setBytes(4, r.bytes());
            p.addBatch();
          }
          p.executeBatch();
        }
        for (KeyRow k : promoted) {
          try (PreparedStatement d = c.prepareStatement("DELETE FROM server_keys WHERE gun = ? AND role = ?")) {
            d.setString(1, k.gun());
            d.setString(2, k.role());
            d.executeUpdate();
          }
          insertKey(k);
        }
        c.commit();
      } catch (SQLException e) {
        rollback();
        throw new IOException("notary database: the update was not stored: " + e.getMessage(), e);
      }
    }

    private void insertKey(KeyRow k) throws SQLException {
      try (PreparedStatement p = c.prepareStatement("MERGE INTO server_keys (gun, role, pending, keytype, public_key, private_key) KEY (gun, role, pending) VALUES (?, ?, ?, ?, ?, ?)")) {
        p.setString(1, k.gun());
        p.setString(2, k.role());
        p.setBoolean(3, k.pending());
        p.setString(4, k.keyType());
        p.setBytes(5, k.publicBytes());
        p.setBytes(6, k.pkcs8());
        p.executeUpdate();
      }
    }

    @Override
    public synchronized void saveKey(KeyRow key) throws IOException {
      try {
        insertKey(key);
        c.commit();
      } catch (SQLException e) {
        rollback();
        throw new IOException("notary database: " + e.getMessage(), e);
      }
    }

    @Override
    public synchronized void deleteRepository(String gun) throws IOException {
      try {
        for (String t : List.of("tuf_files", "server_keys")) {
          try (PreparedStatement p = c.prepareStatement("DELETE FROM " + t + " WHERE gun = ?")) {
            p.setString(1, gun);
            p.executeUpdate();
          }
        }
        c.commit();
      } catch (SQLException e) {
        rollback();
        throw new IOException("notary database: " + e.getMessage(), e);
      }
    }

    private void rollback() {
      try {
        c.rollback();
      } catch (SQLException ignored) {
        // the connection is broken; the next call reports it
      }
    }

    @Override
    public synchronized void close() throws IOException {
      try {
        c.close();
      } catch (SQLException e) {
        throw new IOException(e);
      }
    }
  }
}
