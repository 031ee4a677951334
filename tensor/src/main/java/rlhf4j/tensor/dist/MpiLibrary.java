package rlhf4j.tensor.dist;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Open MPI's C API (libmpi.so.40, Open MPI 3 and 4) through the FFM API: the downcalls the collectives use and the
 * predefined handles. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of its global
 * objects ({@code ompi_mpi_comm_world}, ...), as its mpi.h defines them, so they are looked up as symbols.
 *
 * <p>The library is opened with {@code dlopen(RTLD_NOW | RTLD_GLOBAL)}: Open MPI loads its transports and
 * collectives as plugins (mca_*.so) that resolve libmpi's symbols from the global namespace, which the JVM's own
 * loading (RTLD_LOCAL) would hide from them.
 */
final class MpiLibrary {
    static final String SONAME = "libmpi.so.40";
    private static final int RTLD_NOW = 2, RTLD_GLOBAL = 0x100;
    static final int MPI_SUCCESS = 0, MPI_THREAD_SERIALIZED = 2;
    /** MPI_IN_PLACE is ((void *) 1) in Open MPI's mpi.h. */
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private static final Linker LINKER = Linker.nativeLinker();
    private static volatile Object loaded;          // the MpiLibrary, or the String reason it could not load

    final MemorySegment commWorld, floatType, doubleType, byteType, intType, opSum, opMax, errorsReturn;
    final MethodHandle initThread, initialized, finalized, commRank, commSize, commSetErrhandler, errorString,
            libraryVersion, barrier, bcast, allreduce, allgather, allgatherv, scatterv, gatherv, reduceScatterBlock,
            abort, finalizeCall;

    private MpiLibrary(SymbolLookup mpi) {
        commWorld = symbol(mpi, "ompi_mpi_comm_world");
        floatType = symbol(mpi, "ompi_mpi_float");
        doubleType = symbol(mpi, "ompi_mpi_double");
        byteType = symbol(mpi, "ompi_mpi_byte");
        intType = symbol(mpi, "ompi_mpi_int");
        opSum = symbol(mpi, "ompi_mpi_op_sum");
        opMax = symbol(mpi, "ompi_mpi_op_max");
        errorsReturn = symbol(mpi, "ompi_mpi_errors_return");
        initThread = call(mpi, "MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        initialized = call(mpi, "MPI_Initialized", ADDRESS);
        finalized = call(mpi, "MPI_Finalized", ADDRESS);
        commRank = call(mpi, "MPI_Comm_rank", ADDRESS, ADDRESS);
        commSize = call(mpi, "MPI_Comm_size", ADDRESS, ADDRESS);
        commSetErrhandler = call(mpi, "MPI_Comm_set_errhandler", ADDRESS, ADDRESS);
        errorString = call(mpi, "MPI_Error_string", JAVA_INT, ADDRESS, ADDRESS);
        libraryVersion = call(mpi, "MPI_Get_library_version", ADDRESS, ADDRESS);
        barrier = call(mpi, "MPI_Barrier", ADDRESS);
        bcast = call(mpi, "MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        allreduce = call(mpi, "MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        allgather = call(mpi, "MPI_Allgather", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        allgatherv = call(mpi, "MPI_Allgatherv", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        scatterv = call(mpi, "MPI_Scatterv", ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        gatherv = call(mpi, "MPI_Gatherv", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        reduceScatterBlock = call(mpi, "MPI_Reduce_scatter_block", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        abort = call(mpi, "MPI_Abort", ADDRESS, JAVA_INT);
        finalizeCall = call(mpi, "MPI_Finalize");
    }

    /** The library, loaded once; empty when it cannot be (see {@link #unavailableReason()}). */
    static Optional<MpiLibrary> get() {
        Object l = load();
        return l instanceof MpiLibrary m ? Optional.of(m) : Optional.empty();
    }

    /** Why {@link #get()} is empty, or null when the library loaded. */
    static String unavailableReason() { return load() instanceof String reason ? reason : null; }

    private static Object load() {
        Object l = loaded;
        if (l != null) return l;
        synchronized (MpiLibrary.class) {
            if (loaded == null) loaded = open();
            return loaded;
        }
    }

    private static Object open() {
        String os = System.getProperty("os.name").toLowerCase();
        if (!os.contains("linux")) return SONAME + " is Linux's Open MPI; this is " + System.getProperty("os.name");
        String name = System.getProperty("rlhf4j.mpi.library", SONAME);
        try {
            String dlerror = dlopenGlobal(name);
            if (dlerror != null)
                return name + " not found (" + dlerror + "); install Open MPI 4 (Debian/Ubuntu: apt install openmpi-bin"
                        + " libopenmpi-dev) or name the library with -Drlhf4j.mpi.library=PATH";
            return new MpiLibrary(SymbolLookup.libraryLookup(name, Arena.global()));
        } catch (RuntimeException | LinkageError e) {
            return name + " loaded but is not Open MPI 3/4 as expected: " + e.getMessage();
        }
    }

    /** dlopen(name, RTLD_NOW | RTLD_GLOBAL); returns dlerror()'s text on failure, null on success. */
    private static String dlopenGlobal(String name) {
        SymbolLookup libc = LINKER.defaultLookup();
        MethodHandle dlopen = LINKER.downcallHandle(libc.find("dlopen").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        MethodHandle dlerror = LINKER.downcallHandle(libc.find("dlerror").orElseThrow(), FunctionDescriptor.of(ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(name), RTLD_NOW | RTLD_GLOBAL);
            if (!handle.equals(MemorySegment.NULL)) return null;
            MemorySegment msg = (MemorySegment) dlerror.invokeExact();
            return msg.equals(MemorySegment.NULL) ? "dlopen failed" : msg.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw new DowncallFailure(t);
        }
    }

    /** A failure inside a downcall (the MethodHandle API declares Throwable), rethrown unchecked. */
    static final class DowncallFailure extends RuntimeException {
        DowncallFailure(Throwable cause) { super(cause.toString(), cause); }
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " missing"));
    }

    private static MethodHandle call(SymbolLookup lib, String name, java.lang.foreign.MemoryLayout... args) {
        return LINKER.downcallHandle(symbol(lib, name), FunctionDescriptor.of(JAVA_INT, args));
    }

    /** MPI_Get_library_version's first line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". */
    String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192), len = arena.allocate(JAVA_INT);
            int rc = (int) libraryVersion.invokeExact(buf, len);
            if (rc != MPI_SUCCESS) return "Open MPI (version unknown)";
            String v = buf.getString(0);
            int comma = v.indexOf(',');
            return (comma > 0 ? v.substring(0, comma) : v).strip();
        } catch (Throwable t) {
            throw new DowncallFailure(t);
        }
    }

    /** MPI_Error_string of a return code. */
    String errorText(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(512), len = arena.allocate(JAVA_INT);
            int rc = (int) errorString.invokeExact(code, buf, len);
            return rc == MPI_SUCCESS ? buf.getString(0) : "MPI error " + code;
        } catch (Throwable t) {
            throw new DowncallFailure(t);
        }
    }
}
