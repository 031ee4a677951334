package rlhf4j.cuda;

import java.util.ArrayList;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/** A kernel's parameters in declaration order, as cuLaunchKernel wants them: one host pointer per argument. */
final class KernelArgs {
    private final ArrayList<NativePointerObject> args = new ArrayList<>();

    KernelArgs i32(int v) { args.add(Pointer.to(new int[]{v})); return this; }

    KernelArgs i64(long v) { args.add(Pointer.to(new long[]{v})); return this; }

    KernelArgs f32(float v) { args.add(Pointer.to(new float[]{v})); return this; }

    /** A device address (a pointer argument is its 64-bit value). */
    KernelArgs ptr(long address) { return i64(address); }

    /** A struct Layout passed by value. */
    KernelArgs layout(KernelLayout l) { args.add(Pointer.to(l.pack())); return this; }

    Pointer pointer() { return Pointer.to(args.toArray(new NativePointerObject[0])); }
}
