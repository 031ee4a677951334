package rlhf4j.cli;

import java.io.FileNotFoundException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import rlhf4j.rlhf.feedback.FeedbackFormatException;
import rlhf4j.tensor.io.SafetensorsFormatException;
import rlhf4j.transformer.data.DataUnavailableException;
import rlhf4j.transformer.io.FileFormatException;
import rlhf4j.transformer.run.RunDirectoryException;
import rlhf4j.transformer.train.TrainingDivergedException;

/**
 * How the CLI reports a failure. A user error (a bad flag value, a missing or malformed file) is one line on stderr,
 * {@code rlhf4j <command>: <message>}, and exit status 2; {@code --verbose} adds the stack trace. Anything else is a
 * bug: its stack trace and exit status 1.
 */
final class CliErrors {
    static final int USER_ERROR = 2;
    static final int BUG = 1;

    private CliErrors() {}

    /** picocli's execution exception handler: one line for a user error, the stack trace for a bug. */
    static int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        String message = userMessage(ex);
        if (message != null) {
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + message);
            if (verbose(parseResult)) ex.printStackTrace(err);
            err.flush();
            return USER_ERROR;
        }
        err.println(cmd.getCommandSpec().qualifiedName() + ": internal error (a bug; please report it with this trace):");
        ex.printStackTrace(err);
        err.flush();
        return BUG;
    }

    /** picocli's parameter exception handler: the problem and a pointer to --help, on one line. */
    static int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        StringBuilder line = new StringBuilder(name).append(": ").append(oneLine(ex.getMessage()));
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            List<String> suggestions = u.getSuggestions();
            line.append(" (did you mean ").append(String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))))
                    .append("?)");
        }
        err.println(line.append("; see '").append(name).append(" --help'"));
        if (List.of(args).contains("--verbose")) ex.printStackTrace(err);
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Whether --verbose was given, at the top level or on any subcommand. */
    static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** The one-line message of the first user error in the cause chain of {@code t}, or null when it holds none. */
    static String userMessage(Throwable t) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            String message = describe(c);
            if (message != null) return oneLine(message);
        }
        return null;
    }

    /** The message of one user error, naming its file; null for anything else. */
    private static String describe(Throwable t) {
        if (t instanceof FileSystemException f && (t instanceof NoSuchFileException
                || t instanceof AccessDeniedException || t instanceof FileAlreadyExistsException)) {
            String what = t instanceof NoSuchFileException ? "no such file" : t instanceof AccessDeniedException
                    ? "permission denied" : "already exists";
            String file = f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "");
            return f.getReason() != null ? file + ": " + f.getReason() : what + ": " + file;
        }
        if (t instanceof IllegalArgumentException || t instanceof FileNotFoundException
                || t instanceof DataUnavailableException || t instanceof FeedbackFormatException
                || t instanceof FileFormatException || t instanceof SafetensorsFormatException
                || t instanceof RunDirectoryException || t instanceof TrainingDivergedException) {
            return t.getMessage() != null ? t.getMessage() : t.toString();
        }
        return null;
    }

    /** A message on one line: line breaks (Gson's hints, nested messages) become spaces. */
    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
