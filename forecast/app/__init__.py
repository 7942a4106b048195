"""The application: experiment configs, runs and the ``forecast`` command line."""
