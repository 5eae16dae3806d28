package vecmath

// setAVX2 switches between the assembly and the portable code (tests only).
func setAVX2(on bool) { useAVX2 = on }
