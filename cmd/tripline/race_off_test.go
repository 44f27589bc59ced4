//go:build !race

package main

// raceDetector: the tests run with -race, which slows code 2-20 times.
const raceDetector = false
