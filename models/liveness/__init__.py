"""Liveness: is a live person in front of the camera answering this session's challenge?

- :mod:`models.liveness.challenge`: the server-chosen gesture sequence and its evaluation
  against a per-frame observation track (active liveness);
- :mod:`models.liveness.video`: bounded decoding of an uploaded clip or timed frames;
- :mod:`models.liveness.pad`: passive presentation-attack signals (screen replay, print,
  flatness, natural motion), each a named score with a documented threshold;
- :mod:`models.liveness.session`: per-frame observation (the costly part, batchable) and
  the pure decision that combines identity, challenge and PAD into one assessment.
"""
