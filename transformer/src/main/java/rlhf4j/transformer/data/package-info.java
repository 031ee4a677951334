/**
 * Data set files: {@link rlhf4j.transformer.data.DataSets} finds them (an explicit folder, {@code shared/data}, or a
 * user cache filled by download), {@link rlhf4j.transformer.data.DataCatalog} lists each file's public source and the
 * SHA-256 its bytes must have.
 */
package rlhf4j.transformer.data;
