package rlhf4j.rlhf.data;

/** Tweet text as a small policy should learn to write it. */
public final class Tweets {
    private Tweets() {}

    /** The tweet without HTML entities, links, user handles and retweet markers, with runs of white space made one space. */
    public static String clean(String tweet) {
        return tweet.replaceAll("&amp;", "&").replaceAll("&#\\d+;", " ").replaceAll("https?://\\S+", "")
                .replaceAll("@\\w+:?", "").replaceAll("\\bRT\\b", "").replaceAll("\\s+", " ").strip();
    }
}
