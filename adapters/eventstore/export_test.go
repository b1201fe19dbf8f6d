package eventstore

// ReadStreamsPaged is ReadStreams with a small page, to test the overflow.
var ReadStreamsPaged = readStreams
