package rlhf4j.rlhf.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import rlhf4j.rlhf.feedback.Ranking;

/** How values sit in the labeling database's text columns: rankings as JSON arrays of tiers, flags comma-separated. */
final class Rows {
    private Rows() {}

    static String rankingJson(Ranking ranking) {
        JsonArray tiers = new JsonArray();
        for (List<String> tier : ranking.tiers()) {
            JsonArray ids = new JsonArray();
            tier.forEach(ids::add);
            tiers.add(ids);
        }
        return tiers.toString();
    }

    static Ranking ranking(String json) {
        List<List<String>> tiers = new ArrayList<>();
        for (JsonElement tier : JsonParser.parseString(json).getAsJsonArray()) {
            List<String> ids = new ArrayList<>();
            tier.getAsJsonArray().forEach(e -> ids.add(e.getAsString()));
            tiers.add(ids);
        }
        return new Ranking(tiers);
    }

    static String flags(Set<String> flags) { return String.join(",", new TreeSet<>(flags)); }

    static Set<String> flags(String column) {
        Set<String> flags = new TreeSet<>();
        if (column != null) for (String f : column.split(",")) if (!f.isBlank()) flags.add(f);
        return flags;
    }
}
