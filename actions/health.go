package actions

import "fmt"

// DisableReason returns why an endpoint whose streaks after a batch of
// outcomes are failedAttempts and deadDeliveries is disabled under d, or ""
// when it is not: only a batch that added to the counted streak (added) can
// disable it. lastError is the last counted failure's error.
func (d DisableAfter) DisableReason(failedAttempts, deadDeliveries int, added bool, lastError string) string {
	d = d.OrDefault()
	if !added {
		return ""
	}
	switch d.Counting {
	case CountAttempts:
		if failedAttempts >= d.Failures {
			return fmt.Sprintf("%d consecutive attempts failed (disable_after: %d failed attempts); the last one failed with: %s",
				failedAttempts, d.Failures, lastError)
		}
	default:
		if deadDeliveries >= d.Failures {
			return fmt.Sprintf("%d consecutive deliveries died (disable_after: %d dead deliveries); the last one's last attempt failed with: %s",
				deadDeliveries, d.Failures, lastError)
		}
	}
	return ""
}
