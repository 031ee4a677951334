package rlhf4j.rlhf.serve;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The labeling database's schema and its migrations. The version is SQLite's {@code PRAGMA user_version}: 0 for an
 * empty file, then one step per entry of {@link #MIGRATIONS}, each run in one transaction with the version bump, so a
 * database is always at exactly one version. Times are epoch milliseconds (UTC).
 */
public final class Schema {
    private Schema() {}

    /** The version this code reads and writes. */
    public static final int CURRENT = 3;

    /** Version 1: campaigns, their items, accounts, leases, judgements (ranking, unusable flag, comment), acknowledgements. */
    public static final List<String> V1 = List.of(
            """
            CREATE TABLE campaigns (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              criterion TEXT NOT NULL,
              instructions TEXT NOT NULL,
              k INTEGER NOT NULL CHECK (k >= 2),
              labelers_per_item INTEGER NOT NULL CHECK (labelers_per_item >= 1),
              lease_ms INTEGER NOT NULL CHECK (lease_ms > 0),
              created INTEGER NOT NULL)""",
            """
            CREATE TABLE prompts (
              campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              prompt_id TEXT NOT NULL,
              position INTEGER NOT NULL,
              json TEXT NOT NULL,
              gold_ranking TEXT,
              done INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (campaign_id, prompt_id))""",
            "CREATE INDEX prompts_open ON prompts (campaign_id, done, position)",
            """
            CREATE TABLE completions (
              campaign_id INTEGER NOT NULL,
              completion_id TEXT NOT NULL,
              prompt_id TEXT NOT NULL,
              position INTEGER NOT NULL,
              json TEXT NOT NULL,
              PRIMARY KEY (campaign_id, completion_id),
              FOREIGN KEY (campaign_id, prompt_id) REFERENCES prompts(campaign_id, prompt_id) ON DELETE CASCADE)""",
            "CREATE INDEX completions_of_prompt ON completions (campaign_id, prompt_id, position)",
            """
            CREATE TABLE accounts (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              role TEXT NOT NULL CHECK (role IN ('LABELER', 'ADMIN')),
              password_hash TEXT,
              created INTEGER NOT NULL)""",
            """
            CREATE TABLE login_tokens (
              token_hash TEXT PRIMARY KEY,
              account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              created INTEGER NOT NULL,
              used INTEGER)""",
            """
            CREATE TABLE acknowledgements (
              campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              time INTEGER NOT NULL,
              PRIMARY KEY (campaign_id, account_id))""",
            """
            CREATE TABLE assignments (
              campaign_id INTEGER NOT NULL,
              prompt_id TEXT NOT NULL,
              account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              leased INTEGER NOT NULL,
              expires INTEGER NOT NULL,
              answered INTEGER NOT NULL DEFAULT 0,
              PRIMARY KEY (campaign_id, prompt_id, account_id),
              FOREIGN KEY (campaign_id, prompt_id) REFERENCES prompts(campaign_id, prompt_id) ON DELETE CASCADE)""",
            "CREATE INDEX assignments_open ON assignments (campaign_id, account_id, answered, expires)",
            """
            CREATE TABLE judgements (
              id INTEGER PRIMARY KEY,
              submission_id TEXT NOT NULL UNIQUE,
              campaign_id INTEGER NOT NULL,
              prompt_id TEXT NOT NULL,
              account_id INTEGER NOT NULL REFERENCES accounts(id),
              ranking TEXT NOT NULL,
              unusable INTEGER NOT NULL DEFAULT 0,
              skipped INTEGER NOT NULL DEFAULT 0,
              comment TEXT,
              created INTEGER NOT NULL,
              UNIQUE (campaign_id, prompt_id, account_id),
              FOREIGN KEY (campaign_id, prompt_id) REFERENCES prompts(campaign_id, prompt_id) ON DELETE CASCADE)""",
            "CREATE INDEX judgements_of_account ON judgements (campaign_id, account_id)");

    /**
     * Version 2: judgements carry a 1–7 score and a flag list (the old unusable column moves into it; harmful is new)
     * and the time their lease began (how long a labeler took); accounts record their last login.
     */
    public static final List<String> V2 = List.of(
            "ALTER TABLE judgements ADD COLUMN score INTEGER CHECK (score IS NULL OR score BETWEEN 1 AND 7)",
            "ALTER TABLE judgements ADD COLUMN flags TEXT NOT NULL DEFAULT ''",
            "UPDATE judgements SET flags = 'unusable' WHERE unusable = 1",
            "ALTER TABLE judgements ADD COLUMN started INTEGER",
            "UPDATE judgements SET started = (SELECT a.leased FROM assignments a WHERE a.campaign_id = judgements.campaign_id"
                    + " AND a.prompt_id = judgements.prompt_id AND a.account_id = judgements.account_id)",
            "ALTER TABLE accounts ADD COLUMN last_login INTEGER");

    /** Version 3: a partial index of gold items, so a campaign of many items finds its few gold ones without a scan. */
    public static final List<String> V3 = List.of(
            "CREATE INDEX prompts_gold ON prompts (campaign_id, position) WHERE gold_ranking IS NOT NULL");

    /** The steps from version i to i + 1, in order. */
    static final List<List<String>> MIGRATIONS = List.of(V1, V2, V3);

    /** Brings the database to {@link #CURRENT}; a database newer than this code is refused. Returns the version found. */
    static int migrate(Connection db) throws SQLException {
        int found = version(db);
        if (found > CURRENT) {
            throw new IllegalArgumentException("the labeling database has schema version " + found
                    + ", newer than this rlhf4j reads (" + CURRENT + "); use a newer rlhf4j");
        }
        for (int v = found; v < CURRENT; v++) {
            boolean auto = db.getAutoCommit();
            db.setAutoCommit(false);
            try (Statement s = db.createStatement()) {
                if (version(db) == v) {   // another process may have migrated meanwhile
                    for (String sql : MIGRATIONS.get(v)) s.executeUpdate(sql);
                    s.executeUpdate("PRAGMA user_version = " + (v + 1));
                }
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(auto);
            }
        }
        return found;
    }

    /** The database's {@code user_version}. */
    static int version(Connection db) throws SQLException {
        try (Statement s = db.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
