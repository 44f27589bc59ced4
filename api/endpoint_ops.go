package api

import (
	"context"
	"errors"

	"github.com/tripline/tripline/actions"
)

// checkDestination runs the SSRF guard on an endpoint URL being saved.
func (s *server) checkDestination(ctx context.Context, rawURL string) error {
	if s.CheckDestination == nil {
		return nil
	}
	err := s.CheckDestination(ctx, rawURL)
	if err == nil {
		return nil
	}
	var de *actions.DestinationError
	if !errors.As(err, &de) {
		return err
	}
	var errs fieldErrors
	errs.add("url", de.Error())
	return errs.err("The endpoint's URL points to an address deliveries may not reach.")
}
