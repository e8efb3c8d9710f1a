"""Compiler stage: frozen specs -> runnable Provider and Operation objects.

Templates are compiled and input schemas built here, once, at startup.
"""
