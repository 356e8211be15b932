"""Every state change of the coaching app. Split by concern:

- `coaching.services.profiles`: coach profiles (filled from the accepted application).
- `coaching.services.matches`: running the matcher, changing, confirming and ending pairs, plans.
- `coaching.services.visits`: visit drafts, idempotent submission, actions, photos.
- `coaching.services.alerts`: follow-up alerts (beat).
"""
