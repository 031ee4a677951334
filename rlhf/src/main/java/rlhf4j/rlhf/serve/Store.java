package rlhf4j.rlhf.serve;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite connection shared by every thread, each call holding a lock: SQLite writes one transaction at a time
 * anyway, and one connection keeps each read-modify-write (a lease, a submission) atomic within this process.
 * Transactions begin IMMEDIATE, so another process on the same file (the CLI beside a running server) waits up to the
 * busy timeout instead of failing mid-transaction. WAL journal, foreign keys on; synchronous FULL (a transaction that
 * returned is on disk) or NORMAL (it is in the WAL file, safe from a crash of the process but not of the machine).
 */
final class Store implements AutoCloseable {
    /** How long a call waits for another process's write lock before failing. */
    static final int BUSY_TIMEOUT_MS = 10_000;

    /** Work inside a transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Store store) throws SQLException;
    }

    /** Reads one row of a result set. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final Path file;
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    private final int versionFound;

    Store(Path file, SqliteLabelingService.Durability durability) {
        this.file = file;
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setSynchronous(durability == SqliteLabelingService.Durability.POWER_LOSS
                ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        try {
            this.db = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        } catch (SQLException e) {
            throw new LabelingStoreException(file, "cannot open: " + e.getMessage(), e);
        }
        try {
            this.versionFound = Schema.migrate(db);
        } catch (SQLException e) {
            closeQuietly();
            throw new LabelingStoreException(file, "cannot bring the schema to version " + Schema.CURRENT + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    Path file() { return file; }

    /** The schema version the file had when opened (0: new). */
    int versionFound() { return versionFound; }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    <T> T transaction(Work<T> work) {
        lock.lock();
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run(this);
                db.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                rollbackQuietly();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new LabelingStoreException(file, e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Rows of a query, each read by {@code row}. */
    <T> List<T> query(String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement s = prepare(sql, args); ResultSet rs = s.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (rs.next()) out.add(row.read(rs));
            return out;
        }
    }

    /** The first row of a query, or null. */
    <T> T first(String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement s = prepare(sql, args); ResultSet rs = s.executeQuery()) {
            return rs.next() ? row.read(rs) : null;
        }
    }

    /** A single number (COUNT, MAX ...); 0 when the query yields no row or NULL. */
    long number(String sql, Object... args) throws SQLException {
        try (PreparedStatement s = prepare(sql, args); ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Rows changed. */
    int update(String sql, Object... args) throws SQLException {
        try (PreparedStatement s = prepare(sql, args)) {
            return s.executeUpdate();
        }
    }

    /** Inserts and returns the new row id. */
    long insert(String sql, Object... args) throws SQLException {
        try (PreparedStatement s = prepare(sql, args)) {
            s.executeUpdate();
        }
        return number("SELECT last_insert_rowid()");
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        PreparedStatement s = db.prepareStatement(sql);
        try {
            for (int i = 0; i < args.length; i++) s.setObject(i + 1, args[i]);
        } catch (SQLException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the original failure is the one to report
        }
    }

    private void closeQuietly() {
        try {
            db.close();
        } catch (SQLException ignored) {
            // opening failed already; that is the error to report
        }
    }

    @Override public void close() {
        lock.lock();
        try {
            db.close();
        } catch (SQLException e) {
            throw new LabelingStoreException(file, "cannot close: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
