/* Profile default-16k: the line's upstream defaults, untouched. 16 KB
 * records both ways, every suite and version the line enables by default.
 * The reference point for heap and speed figures (ci/bench). */
