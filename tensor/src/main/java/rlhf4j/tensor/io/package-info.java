/**
 * Tensor files: {@link rlhf4j.tensor.io.Safetensors} reads and writes the Hugging Face safetensors format
 * (an 8-byte header length, a JSON header, then the raw little-endian bytes of every tensor).
 *
 * <p>Every malformed file is reported as a {@link rlhf4j.tensor.io.SafetensorsFormatException} naming the file and
 * the problem; the header is fully checked against the file's size before any tensor is allocated.
 *
 * <p>Helpers that every file reader of the project shares: {@link rlhf4j.tensor.io.Quote} cuts quoted input in
 * error messages to a readable length, {@link rlhf4j.tensor.io.Utf8Text} decodes text files strictly (an invalid
 * byte is an error naming its line, never a silent U+FFFD), and {@link rlhf4j.tensor.io.NonFinite} counts NaN and
 * infinite weights at load.
 */
package rlhf4j.tensor.io;
