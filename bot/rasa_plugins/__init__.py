"""The modules that run inside Rasa or drive it: NLU components, policies, the server entry
point, the NLU loader for the command line, the spaCy pipeline Rasa's SpacyNLP loads, and the
endpoints file. Only these import `rasa`; the domain modules of `bot/` import none of it."""
