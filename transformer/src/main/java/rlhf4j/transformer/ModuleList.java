package rlhf4j.transformer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import rlhf4j.autograd.nn.Module;

/** An indexed list of child modules named "0", "1", ... (PyTorch's nn.ModuleList), so names read {@code h.3.attn}. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList<M> add(M module) {
        items.add(registerModule(Integer.toString(items.size()), module));
        return this;
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    @Override public Iterator<M> iterator() { return items.iterator(); }
}
